import CompanionCLI

await CompanionMain.sftp()
