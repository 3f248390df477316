"""Seeds a running moto_server for the AWSClient integration tests and prints what it made, as JSON.

Usage: python3 seed_moto.py http://127.0.0.1:PORT [BULK_RESERVATIONS]

Made, in account 123456789012:
- IAM user "fedns-reader" (may call ec2:Describe* and sts:AssumeRole) and its access key;
- IAM user "fedns-no-describe" (may call nothing) and its access key;
- IAM role "fedns-readonly" (may call ec2:Describe*) to assume;
- us-east-1: web-1, web-2 (running, Name tags), db-1 (stopped), one untagged instance;
- eu-west-1: eu-web-1;
- us-west-2: v6-host in a loopback VPC with an IPv6 subnet, private 127.0.1.10 and IPv6 ::1 on its interface;
- us-east-2: BULK_RESERVATIONS instances, one reservation each (one run_instances call each), so that a
  DescribeInstances with MaxResults=1000 needs a second page.
Finally signature checking is switched on (POST /moto-api/reset-auth with 0): from then on every request must be
signed by a key that exists in moto's IAM and be allowed by its policies.
"""
import json
import os
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3

os.environ["AWS_EC2_METADATA_DISABLED"] = "true"  # never probe 169.254.169.254 from a test
ENDPOINT = sys.argv[1]
BULK = int(sys.argv[2]) if len(sys.argv) > 2 else 1001
ACCOUNT = "123456789012"
ADMIN = {"aws_access_key_id": "AKIDSEEDER", "aws_secret_access_key": "seeder-secret"}


def client(service, region="us-east-1"):
    return boto3.client(service, region_name=region, endpoint_url=ENDPOINT, **ADMIN)


def policy(*actions):
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]})


def make_user(iam, name, *actions):
    iam.create_user(UserName=name)
    if actions:
        iam.put_user_policy(UserName=name, PolicyName=f"{name}-policy", PolicyDocument=policy(*actions))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}


def linux_ami(ec2):
    # moto's first image is a Windows one (reference §2.2); any Linux image will do. moto offers the same images
    # in every region, and listing them takes about a second, so this is asked once.
    for image in ec2.describe_images(Owners=["amazon"])["Images"]:
        if image.get("Platform") != "windows" and image.get("PlatformDetails", "Linux/UNIX").startswith("Linux"):
            return image["ImageId"]
    raise SystemExit("no Linux AMI in moto's image list")


def run(ec2, ami, name=None, **extra):
    tags = [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}, {"Key": "env", "Value": "test"}]}]
    arguments = {"ImageId": ami, "MinCount": 1, "MaxCount": 1, "InstanceType": "t3.micro", **extra}
    if name:
        arguments["TagSpecifications"] = tags
    return ec2.run_instances(**arguments)["Instances"][0]["InstanceId"]


def main():
    iam = client("iam")
    reader = make_user(iam, "fedns-reader", "ec2:Describe*", "sts:AssumeRole")
    no_describe = make_user(iam, "fedns-no-describe")
    # moto checks the trust policy against the exact caller: the reader user, and the role's own "ops-session"
    # (the integration test's profile that assumes the role again from the role).
    trusted = [f"arn:aws:iam::{ACCOUNT}:user/fedns-reader", f"arn:aws:sts::{ACCOUNT}:assumed-role/fedns-readonly/ops-session"]
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"}]})
    role_arn = iam.create_role(RoleName="fedns-readonly", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(
        RoleName="fedns-readonly", PolicyName="describe", PolicyDocument=policy("ec2:Describe*", "sts:AssumeRole"))

    made = {}
    east = client("ec2", "us-east-1")
    ami = linux_ami(east)
    made["web-1"] = run(east, ami, "web-1")
    made["web-2"] = run(east, ami, "web-2")
    made["db-1"] = run(east, ami, "db-1")
    made["untagged"] = run(east, ami)
    east.stop_instances(InstanceIds=[made["db-1"]])

    west = client("ec2", "eu-west-1")
    made["eu-web-1"] = run(west, ami, "eu-web-1")

    oregon = client("ec2", "us-west-2")
    vpc = oregon.create_vpc(CidrBlock="127.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    vpc_v6 = oregon.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    subnet_v6 = vpc_v6.replace("/56", "/64")
    subnet = oregon.create_subnet(VpcId=vpc["VpcId"], CidrBlock="127.0.1.0/24", Ipv6CidrBlock=subnet_v6)["Subnet"]
    made["v6-host"] = run(oregon, ami, "v6-host", SubnetId=subnet["SubnetId"],
                          PrivateIpAddress="127.0.1.10", Ipv6AddressCount=1)
    described = oregon.describe_instances(InstanceIds=[made["v6-host"]])["Reservations"][0]["Instances"][0]
    eni = described["NetworkInterfaces"][0]["NetworkInterfaceId"]
    oregon.assign_ipv6_addresses(NetworkInterfaceId=eni, Ipv6Addresses=["::1"])

    bulk = client("ec2", "us-east-2")
    # Four calls in flight roughly halve the time: the client's and moto's work overlap (boto3 clients are
    # thread-safe). A few instances get a Name so that pages can be checked for content, not only counted.
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda number: run(bulk, ami, f"bulk-{number}" if number % 100 == 0 else None), range(BULK)))

    # text/plain, or werkzeug parses the body as a form and moto reads an empty count.
    request = urllib.request.Request(
        f"{ENDPOINT}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(request).read()

    print(json.dumps({
        "account": ACCOUNT,
        "reader": reader,
        "no_describe": no_describe,
        "role_arn": role_arn,
        "instances": made,
        "bulk_region": "us-east-2",
        "bulk_count": BULK,
    }))


if __name__ == "__main__":
    main()
