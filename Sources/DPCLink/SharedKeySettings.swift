import DaemonSupport
import Yams

/// The shared key's settings, `key` and `key_file`, checked as the daemons will use them: what they would refuse is
/// a problem at the setting's line, what they accept but is weak or exposed a warning.
extension SettingsChecker {
    /// `key`: the shared key inline, as hex text. A warning besides a weak key's when others can read the
    /// configuration file that holds it.
    public mutating func sharedKey(_ n: Node, _ what: String) -> String? {
        guard let text = string(n, what) else { return nil }
        let bytes: [UInt8]
        do {
            bytes = try SharedKey.bytes(hex: text)
        } catch {
            problem(n, "\(what): \(error.message)")
            return nil
        }
        if let refusal = SharedKeyStrength.refusal(bytes) {
            problem(n, "\(what): \(refusal)")
            return nil
        }
        for doubt in SharedKeyStrength.doubts(bytes) { warning(n, "\(what): \(doubt)") }
        if let permissions = filePermissions, permissions & 0o004 != 0 {
            warning(n, "\(what): the key is written in a file others can read (mode \(SharedKeyFile.octal(permissions))); "
                       + "keep it in a key_file of mode 0640, or chmod 0640 \(file)")
        }
        return text
    }

    /// `key_file`: the path of the file holding the key. A file that cannot be read here is a warning only, since
    /// a configuration may be checked by another user than the daemon's.
    public mutating func sharedKeyFile(_ n: Node, _ what: String) -> String? {
        guard let path = string(n, what) else { return nil }
        let file: SharedKeyFile
        do {
            file = try SharedKeyFile(path: path)
        } catch {
            switch error {
            case .unreadable(let message): warning(n, "\(what): \(message); the daemon must read it to start")
            case .refused(let message): problem(n, "\(what): \(message)")
            }
            return path
        }
        for doubt in file.doubts { warning(n, "\(what): \(doubt)") }
        do {
            let bytes = try SharedKey.bytes(hex: file.text)
            if let refusal = SharedKeyStrength.refusal(bytes) {
                problem(n, "\(what): key file \(path): \(refusal)")
            } else {
                for doubt in SharedKeyStrength.doubts(bytes) { warning(n, "\(what): key file \(path): \(doubt)") }
            }
        } catch {
            problem(n, "\(what): key file \(path): \(error.message)")
        }
        return path
    }
}
