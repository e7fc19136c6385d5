// One collection and one render per format and naming profile at a time, shared by every scrape that
// arrives while it is in flight, gzip bytes included. Deciding what a request gets is the handlers' job.
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Registry } from '../registry/registry.js';
import type { FamilySnapshot } from '../registry/exposition/snapshot.js';
import type { ExpositionFormat } from '../registry/exposition/format.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { ExpositionWriter, type NamingProfile } from '../registry/exposition/prometheus-text.js';
import { describeError, type Logger } from './logger.js';

const gzipAsync = promisify(gzip);
/** Rendering yields to the event loop after this much work, between families, as collecting does. */
const RENDER_SLICE_MS = 10;

/** A rendered exposition; its gzip form is computed once, on first request, and shared. */
export class RenderedScrape {
  private compressed: Promise<Buffer> | undefined;

  constructor(readonly body: Buffer) {}

  /** The body gzip-compressed (node:zlib defaults). */
  gzipped(): Promise<Buffer> {
    this.compressed ??= gzipAsync(this.body);
    return this.compressed;
  }
}

/**
 * Collects and renders a registry on behalf of concurrent requests. A computed gauge that fails is
 * left out of the collection and logged once per collection (one line each), not once per request.
 */
export class SharedScrape {
  private collecting: Promise<readonly FamilySnapshot[]> | undefined;
  private readonly rendering = new Map<string, Promise<RenderedScrape>>();

  constructor(
    private readonly registry: Registry,
    private readonly logger: Logger,
  ) {}

  /** The families of the collection in flight, or of a new one. Rejects only if `collect` itself does. */
  families(): Promise<readonly FamilySnapshot[]> {
    if (this.collecting === undefined) {
      const collecting = this.collectAndLog();
      this.collecting = collecting;
      const forget = (): void => {
        if (this.collecting === collecting) this.collecting = undefined;
      };
      collecting.then(forget, forget);
    }
    return this.collecting;
  }

  /** The exposition in flight for `format` and `profile`, or a new one. Rejects when rendering throws. */
  exposition(format: ExpositionFormat, profile: NamingProfile): Promise<RenderedScrape> {
    const key = `${format}:${profile}`;
    let rendering = this.rendering.get(key);
    if (rendering === undefined) {
      const started = this.render(format, profile);
      rendering = started;
      this.rendering.set(key, started);
      const forget = (): void => {
        if (this.rendering.get(key) === started) this.rendering.delete(key);
      };
      started.then(forget, forget);
    }
    return rendering;
  }

  private async render(format: ExpositionFormat, profile: NamingProfile): Promise<RenderedScrape> {
    const families = await this.families();
    const writer = new ExpositionWriter({ format, profile });
    let sliceStart = performance.now();
    for (const family of families) {
      writer.add(family);
      if (performance.now() - sliceStart > RENDER_SLICE_MS) {
        await nextTurn();
        sliceStart = performance.now();
      }
    }
    return new RenderedScrape(Buffer.from(writer.finish(), 'utf8'));
  }

  private async collectAndLog(): Promise<readonly FamilySnapshot[]> {
    const { families, failures } = await this.registry.collect();
    for (const failure of failures) {
      this.logger(`am-metrics: scrape left out ${failure.metric}: ${describeError(failure.error)}`);
    }
    return families;
  }
}
