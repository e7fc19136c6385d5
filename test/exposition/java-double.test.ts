import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { javaDouble } from '../../src/exposition/java-double.js';
import { seededRandom } from '../support/random.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/java-double/', import.meta.url));
/** The Java program the property test asks; `double-to-string.tsv` was made by `double-to-string.jsh`. */
const JAVA_PROGRAM = `${FIXTURES}DoubleToString.java`;

const BITS = new DataView(new ArrayBuffer(8));
function fromBits(hex: string): number {
  BITS.setBigUint64(0, BigInt(`0x${hex}`));
  return BITS.getFloat64(0);
}
function toBits(value: number): string {
  BITS.setFloat64(0, value);
  return BITS.getBigUint64(0).toString(16).padStart(16, '0');
}

/**
 * Where Java 17's `Double.toString` writes more digits than the shortest decimal (JDK-4511638, fixed
 * in Java 19) and javaDouble writes the shortest: both read back as the same double.
 */
const JAVA_17_LONGER: Readonly<Record<string, string>> = {
  '9.999999999999999E22': '1.0E23',
  '1.9999999999999998E23': '2.0E23',
  '8.409999999999999E21': '8.41E21',
};

/** The table Java 17's jshell wrote: [bits in hex, Double.toString]. */
const TABLE = readFileSync(`${FIXTURES}double-to-string.tsv`, 'utf8')
  .trim()
  .split('\n')
  .map((line) => line.split('\t') as [string, string]);

describe('javaDouble', () => {
  it.each(TABLE.filter(([, java]) => JAVA_17_LONGER[java] === undefined))('writes the double 0x%s as Java 17 does: %s', (bits, java) => {
    expect(javaDouble(fromBits(bits))).toBe(java);
  });

  it.each(Object.entries(JAVA_17_LONGER))('writes the shortest decimal where Java 17 writes %s', (java, shortest) => {
    expect(TABLE.some(([, text]) => text === java)).toBe(true);
    expect(javaDouble(Number(java))).toBe(shortest);
    expect(Number(shortest)).toBe(Number(java));
  });

  it.each([
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    [-5e-324, '-4.9E-324'],
    [-1e7, '-1.0E7'],
  ])('writes %s as %s', (value, text) => {
    expect(javaDouble(value)).toBe(text);
  });

  const hasJava = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;

  // .ci/run installs the JDK (openjdk-17-jdk-headless); without it this test is skipped.
  it.skipIf(!hasJava)('agrees with the installed Java on 20,000 seeded random doubles', () => {
    const random = seededRandom(12);
    const values: number[] = [];
    while (values.length < 20_000) {
      // Half any bit pattern (every exponent), half metric-like values from 1e-9 to 1e11.
      const value =
        values.length % 2 === 0
          ? fromBits(
              Math.floor(random() * 2 ** 32)
                .toString(16)
                .padStart(8, '0') +
                Math.floor(random() * 2 ** 32)
                  .toString(16)
                  .padStart(8, '0'),
            )
          : random() * 10 ** Math.floor(random() * 20 - 9);
      if (Number.isFinite(value)) values.push(value);
    }
    const run = spawnSync('java', [JAVA_PROGRAM], { input: values.map(toBits).join('\n'), encoding: 'utf8', timeout: 25_000, maxBuffer: 1 << 24 });
    expect(run.status, run.stderr).toBe(0);
    const answers = run.stdout.trim().split('\n');
    expect(answers).toHaveLength(values.length);
    const differences = values.flatMap((value, i) => (javaDouble(value) === answers[i] ? [] : [{ value, java: answers[i] as string, ours: javaDouble(value) }]));
    // What may differ is Java 17's non-shortest spelling above 10^21 (see JAVA_17_LONGER): same double, no shorter.
    for (const d of differences) {
      expect(Math.abs(d.value)).toBeGreaterThan(1e21);
      expect(Number(d.java)).toBe(d.value);
      expect(Number(d.ours)).toBe(d.value);
    }
    expect(differences.length).toBeLessThan(values.length / 1000);
  });
});
