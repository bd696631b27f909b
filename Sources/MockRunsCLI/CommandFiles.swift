#if canImport(Glibc)
    import Glibc
#endif

/// A file a command writes when it ends (`record --out`, `--report`): checked when the command starts, so a
/// folder, a missing folder or an unwritable file is told at once, not after a whole recording or test run whose
/// result it would then lose.
enum OutputFile {
    /// Why `path` cannot be written as a file, naming `option` (nil when it can); `example` is the file name a
    /// folder is told to add.
    static func problem(_ path: String, option: String, example: String = "report.json") -> String? {
        if path.isEmpty { return "cannot write \(option): the path is empty; give a file, such as \(example)" }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if name.utf8.count > Int(NAME_MAX) {
            return "cannot write \(option): its file name is \(name.utf8.count) bytes, more than the \(NAME_MAX) a name may have"
        }
        var info = stat()
        let exists = stat(path, &info) == 0
        if path.hasSuffix("/") || (exists && (info.st_mode & S_IFMT) == S_IFDIR) {
            let folder = path.hasSuffix("/") ? path : path + "/"
            return "cannot write \(option) \(path): it is a folder; give a file, such as \(folder)\(example)"
        }
        if exists, access(path, W_OK) != 0 {
            return "cannot write \(option) \(path): the file is not writable (\(String(cString: strerror(errno))))"
        }
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        guard access(folder.isEmpty ? "/" : folder, W_OK) == 0 else {
            return "cannot write \(option) \(path): the folder \(folder) is not writable (\(String(cString: strerror(errno))))"
        }
        return nil
    }
}

/// A file a command reads (`--cacert`): checked when the command starts, before it connects anywhere.
enum InputFile {
    /// Why `path`, given to `option`, cannot be read (nil when it can).
    static func problem(_ path: String, option: String) -> String? {
        access(path, R_OK) == 0 ? nil : "\(option) \(path) cannot be read"
    }
}
