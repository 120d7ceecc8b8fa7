// Preloaded into every child (`--import`): the supervisor holds an IPC channel to each child, and
// the channel closes when the supervisor dies, even by SIGKILL. Exit then, so no orphan keeps a port.
if (process.send) {
  process.on('disconnect', () => process.exit(0));
}
