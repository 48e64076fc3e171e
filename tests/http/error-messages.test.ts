/**
 * Error messages quote the client's input; boundedErrorMessage cuts each long quoted part and the
 * whole. bench/fuzz found the regular expression it used holding the event loop ~270 ms on a
 * message quoting a multi-megabyte value: it is now one pass from quote to quote.
 */
import { describe, expect, it } from 'vitest';
import { boundedErrorMessage } from '../../server/http/error-messages.ts';

describe('boundedErrorMessage', () => {
  it('keeps short messages and short quoted parts as they are', () => {
    expect(boundedErrorMessage('Cannot query field "nope" on type "Query".')).toBe('Cannot query field "nope" on type "Query".');
    const short = `Variable "$x" got invalid value "${'a'.repeat(64)}"; Int cannot represent it.`;
    expect(boundedErrorMessage(short)).toBe(short);
  });

  it('cuts a quoted part longer than 64 characters to 64 and "…", keeping the text around it', () => {
    expect(boundedErrorMessage(`Variable "$x" got invalid value "${'b'.repeat(65)}"; Int cannot represent it.`)).toBe(
      `Variable "$x" got invalid value "${'b'.repeat(64)}…"; Int cannot represent it.`,
    );
  });

  it('takes quotes by their escapes: an escaped quote stays inside its part, an escaped backslash does not escape the quote after it', () => {
    const inner = `${'c'.repeat(30)}\\"${'d'.repeat(40)}`; // 72 characters with an escaped quote in them
    expect(boundedErrorMessage(`got "${inner}" and "short"`)).toBe(`got "${inner.slice(0, 64)}…" and "short"`);
    const endsInBackslash = `${'e'.repeat(70)}\\\\`;
    expect(boundedErrorMessage(`got "${endsInBackslash}" then "tail"`)).toBe(`got "${'e'.repeat(64)}…" then "tail"`);
  });

  it('cuts every long run between two quotes, also when a quote in an unquoted object key pairs with the value\'s opening quote (graphql-js does not quote keys)', () => {
    const long = 'v'.repeat(300);
    expect(boundedErrorMessage(`Variable "$i" got invalid value { a": "${long}" }; Field "b" is not defined.`)).toBe(
      `Variable "$i" got invalid value { a": "${'v'.repeat(64)}…" }; Field "b" is not defined.`,
    );
    // Text between two short quoted parts is a run between quotes too: cut when long, kept when short.
    expect(boundedErrorMessage(`field "a" ${'x'.repeat(100)} type "B"`)).toBe(`field "a"${' ' + 'x'.repeat(63)}…"B"`);
    expect(boundedErrorMessage(`field "a" on type "B" is not defined here, nor anywhere`)).toBe('field "a" on type "B" is not defined here, nor anywhere');
  });

  it('leaves a quote with no closing quote as text, within the 500-character bound', () => {
    const message = `got "${'f'.repeat(600)}`;
    expect(boundedErrorMessage(message)).toBe(`${message.slice(0, 500)}…`);
  });

  it('bounds a message quoting a 4 MB value (regression: a regular expression over the whole message held the event loop for ~270 ms)', () => {
    const value = `${'g\\"'.repeat(1_400_000)}`;
    const message = `Variable "$input" got invalid value "${value}"; Expected type "Int". ${'h'.repeat(1000)}`;
    const bounded = boundedErrorMessage(message);
    expect(bounded.startsWith(`Variable "$input" got invalid value "${value.slice(0, 64)}…"; Expected type "Int". hhh`)).toBe(true);
    expect(bounded.length).toBe(501);
    expect(bounded.endsWith('…')).toBe(true);
  });

  it('cuts every long quoted part and the whole message to 500 characters and "…"', () => {
    const parts = Array.from({ length: 20 }, (_, i) => `"${String(i).repeat(100)}"`).join(', ');
    const bounded = boundedErrorMessage(`values ${parts}`);
    expect(bounded.length).toBe(501);
    expect(bounded).toMatch(/^values "0{64}…", "1{64}…", /);
  });
});
