// Preloaded (node -r) into every benchmark target: answers the runner's questions about this
// process (memory, CPU time; after a garbage collection when asked and --expose-gc is on) over
// the IPC channel, so each target is measured alike and on its own, without changing its code.
if (process.send) {
  process.on("message", (message) => {
    if (!message || typeof message.probe !== "number") return;
    if (message.gc && typeof global.gc === "function") global.gc();
    process.send({ probe: message.probe, memory: process.memoryUsage(), cpu: process.cpuUsage() });
  });
  // The channel alone must not keep a target alive once its server closes.
  process.channel?.unref();
}
