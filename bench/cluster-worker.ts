// A cluster worker for bench/cluster-scrape.bench.ts (run with tsx): the shared shape on both
// registries, answering both primaries. Not a bench file itself: bench/run.ts runs only *.bench.ts.
import client from 'prom-client';
import { clusterMetrics } from '../src/cluster.js';
import { workerRegistries } from './cluster-shape.js';

const { ours, theirs } = workerRegistries(Number(process.env.BENCH_WORKER_INDEX ?? '0'));
new client.AggregatorRegistry(); // prom-client answers its primary only once one exists in the worker
client.AggregatorRegistry.setRegistries([theirs]);
clusterMetrics.worker(ours);
process.send?.({ type: 'bench:ready' });
