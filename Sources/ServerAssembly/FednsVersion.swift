import FednsSupport

public enum FednsVersion {
    public static let current = ReleaseVersion.current
}
