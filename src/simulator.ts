// Public surface of `am-metrics/simulator`: the seeded AM traffic simulator behind `--simulate`.
export { createSimulator, DEFAULT_RATE, MAX_RATE, type Simulator, type SimulatorOptions } from './simulator/simulator.js';
