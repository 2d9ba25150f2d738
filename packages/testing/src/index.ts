export { VirtualClock, type VirtualClockOptions } from "./virtual-clock.js";
export { waitAllTasksBlocked } from "@copse/core/internal";
export * from "./program/index.js";
export * from "./safety/index.js";
export * from "./schedule/index.js";
