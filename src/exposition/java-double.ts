// Numbers as AM writes them: Java's `Double.toString`, for the 0.0.4 text and the JSON view. Which
// output uses it is each encoder's choice; OpenMetrics keeps its own spelling.

/** Plain notation covers [PLAIN_MIN, PLAIN_LIMIT); below and from there on Java writes E-notation. */
const PLAIN_MIN = 1e-3;
const PLAIN_LIMIT = 1e7;

/**
 * `value` as Java's `Double.toString` writes it: `2.0`, `0.001`, `7.69764553089487E-4`, `1.2113019E7`,
 * `-0.0`, `4.9E-324`, `NaN`, `Infinity`. Plain notation for magnitudes in [10^-3, 10^7), E-notation
 * outside; always at least one digit after the point.
 *
 * Why JavaScript's digits (JDK 19+ `Double.toString` javadoc; Giulietti, "The Schubfach way to render
 * doubles"): Java picks the shortest decimal that reads back as `value`, the closest one when several
 * tie, which is exactly the digits of JavaScript's `Number.prototype.toString` (ECMA-262
 * Number::toString, step 5). AM runs on Java 17, whose older algorithm (JDK-4511638) sometimes writes
 * more digits: integers from 2^53 to 2^63 are reproduced here (longDigits), as is the smallest
 * subnormal's `4.9E-324`; what remains is rare and above 10^21 (`9.999999999999999E22` where the
 * shortest is `1.0E23`, a different last digit around 10^25), and both spellings read back as the same
 * double. test/fixtures/java-double/ holds Java 17's answers this is tested against.
 */
export function javaDouble(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  // Fast path: here JavaScript writes plain notation too, so only integers need their `.0`.
  if (magnitude >= PLAIN_MIN && magnitude < PLAIN_LIMIT) return Number.isInteger(value) ? `${value}.0` : String(value);
  const sign = value < 0 ? '-' : '';
  if (magnitude === Number.MIN_VALUE) return `${sign}4.9E-324`;
  if (magnitude >= LONG_DIGITS_MIN && magnitude < LONG_DIGITS_LIMIT) return sign + longDigits(magnitude);
  // `d.ddde±x` holds the shortest digits (no trailing zeros): Java writes `d.dddEx`, `d.0Ex` for one digit.
  const exponential = magnitude.toExponential();
  const at = exponential.indexOf('e');
  const mantissa = at === 1 ? `${exponential[0]}.0` : exponential.slice(0, at);
  const exponent = exponential[at + 1] === '+' ? exponential.slice(at + 2) : exponential.slice(at + 1);
  return `${sign}${mantissa}E${exponent}`;
}

/** Integers in [LONG_DIGITS_MIN, LONG_DIGITS_LIMIT) take Java 17's exact-integer path (see longDigits). */
const LONG_DIGITS_MIN = 2 ** 53;
const LONG_DIGITS_LIMIT = 2 ** 63;
/** Java 17's `FloatingDecimal.insignificantDigitsNumber`, from index 2 on (its first two are unused). */
const INSIGNIFICANT_DIGITS = [0, 0, 1, 1, 1, 2, 2];
const EXPONENT_BIAS = 1023;
const BITS = new DataView(new ArrayBuffer(8));

/**
 * Java 17's spelling of an integer-valued double of 2^53 up to 2^63 (`FloatingDecimal.dtoa`, its
 * "easy" long case): the exact integer, less the trailing digits its precision cannot tell apart,
 * rounded half up, in E-notation. This is where Java 17 most often writes more digits than the
 * shortest (`7.0087280215621632E16` where the shortest is `7.008728021562163E16`).
 */
function longDigits(magnitude: number): string {
  BITS.setFloat64(0, magnitude);
  const binaryExponent = (BITS.getUint16(0) >> 4) - EXPONENT_BIAS;
  const insignificant = INSIGNIFICANT_DIGITS[binaryExponent - 54 - 2] ?? 0;
  const pow10 = 10n ** BigInt(insignificant);
  const exact = BigInt(magnitude);
  const kept = exact / pow10 + (exact % pow10 >= pow10 / 2n && insignificant > 0 ? 1n : 0n);
  const text = kept.toString();
  const digits = text.replace(/(?<=.)0+$/, '');
  return `${digits[0]}.${digits.length > 1 ? digits.slice(1) : '0'}E${text.length - 1 + insignificant}`;
}
