import FednsSupport

/// SigV4's forms of a time.
extension UTCDateTime {
    /// `20150830T123600Z`, the SigV4 `X-Amz-Date`.
    var amzDate: String {
        "\(pad(year, 4))\(pad(month, 2))\(pad(day, 2))T\(pad(hour, 2))\(pad(minute, 2))\(pad(second, 2))Z"
    }

    /// `20150830`, the date part of a SigV4 credential scope.
    var amzDay: String { String(amzDate.prefix(8)) }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
