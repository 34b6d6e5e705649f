import CRuntimeShims

/// Terminal ioctls (ioctl(2) is variadic, so Swift cannot call it).
public enum Terminal {
    /// Sets the window size of the terminal `fd` (TIOCSWINSZ).
    public static func setWindowSize(_ fd: Int32, rows: UInt16, columns: UInt16) throws {
        try sys("ioctl(TIOCSWINSZ)") { swr_tty_set_winsize(fd, rows, columns) }
    }
}
