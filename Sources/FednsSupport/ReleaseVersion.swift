/// The release of fedns and its companion commands, in one place for every executable (`--version`).
public enum ReleaseVersion {
    public static let current = "0.1.0"
}
