public enum FednsVersion {
    public static let current = "0.1.0"
}
