/**
 * `arrayParameter` (server/db/sql.ts) writes the array parameters of the prepared statements itself
 * (node-postgres' general path was a tenth of what the check path allocated: BENCHMARKS.md). What
 * PostgreSQL reads from its text must be exactly what node-postgres' own text gives, for every
 * kind of element, however hostile a string is.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { arrayParameter, prepared, runPrepared } from '../../server/db/sql.ts';

const HOSTILE_STRINGS = [
  '', ' ', '  padded  ', 'NULL', 'null', 'Null', 'NULLS', 'a,b', '{x}', '{', '}', 'say "hi"', 'back\\slash', '\\', '"', '\\"',
  'tab\there', 'line\nbreak', 'cr\rhere', 'ünïcødé ✓ 😀', "it's", '[1,2]', '{"json": "text", "n": [1, 2]}',
  'trailing\\', 'x'.repeat(10_000), 'vertical\vtab', 'form\ffeed', '\v', '\f', 'no\u00a0break', '\u00a0', '\u2003em space', '12', '-1.5e3', 'true',
];

describe('array parameters written by Lookout (arrayParameter)', () => {
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: inject('postgresUrl'), max: 2 });
  });
  afterAll(() => pool.end());

  /** What PostgreSQL reads from our text and from node-postgres' own, cast to `type`. */
  async function both(values: unknown[], type: string): Promise<[unknown, unknown]> {
    const ours = arrayParameter(values);
    expect(typeof ours).toBe('string');
    const { rows } = await pool.query(`select $1::${type} as ours, $2::${type} as theirs`, [ours, values]);
    return [rows[0].ours, rows[0].theirs];
  }

  it('reads hostile strings, nulls and empty arrays as node-postgres writes them', async () => {
    const [ours, theirs] = await both([...HOSTILE_STRINGS, null, undefined], 'text[]');
    expect(ours).toEqual(theirs);
    expect(ours).toEqual([...HOSTILE_STRINGS, null, null]);
    const [empty, emptyTheirs] = await both([], 'text[]');
    expect(empty).toEqual([]);
    expect(emptyTheirs).toEqual([]);
  });

  it('reads integers, floats, infinities and NaN as node-postgres writes them', async () => {
    const ints = [0, 1, -1, 2_147_483_647, -2_147_483_648, null, 42];
    expect(await both(ints, 'int[]')).toEqual([ints, ints]);
    const floats = [0.5, -1.25, 1e-7, 123456.789, Infinity, -Infinity, NaN, -0, null];
    const [ours, theirs] = await both(floats, 'float8[]');
    expect(ours).toEqual(theirs);
    expect(ours).toEqual([0.5, -1.25, 1e-7, 123456.789, Infinity, -Infinity, NaN, 0, null]);
    // Out of range is PostgreSQL's error, as with node-postgres' text.
    await expect(pool.query('select $1::int[]', [arrayParameter([2_147_483_648])])).rejects.toThrow(/out of range/);
  });

  it('reads instants (to the millisecond, any time zone) and booleans as node-postgres writes them', async () => {
    const instants = [new Date('2026-12-07T17:30:00.123Z'), new Date(0), new Date('1969-07-20T20:17:40Z'), new Date('2099-12-31T23:59:59.999Z'), null];
    const [ours, theirs] = await both(instants, 'timestamptz[]');
    expect(ours).toEqual(theirs);
    expect((ours as (Date | null)[]).map((d) => d?.toISOString() ?? null)).toEqual(instants.map((d) => d?.toISOString() ?? null));
    expect(await both([true, false, null], 'boolean[]')).toEqual([
      [true, false, null],
      [true, false, null],
    ]);
  });

  it('reads JSON texts as jsonb as node-postgres writes them (the writer\'s details)', async () => {
    const details = [JSON.stringify({ statusCode: 500, error: 'say "no" \\ {x}, y', nested: { list: [1, 'two', null] } }), '{}', JSON.stringify('a string'), null];
    const [ours, theirs] = await both(details, 'jsonb[]');
    expect(ours).toEqual(theirs);
    expect(ours).toEqual(details.map((d) => (d === null ? null : JSON.parse(d))));
  });

  it('leaves what it does not write to node-postgres: non-arrays, nested arrays, bytes, objects, invalid dates and years outside 1-9999', async () => {
    for (const value of ['text', 7, null, new Date(0), Buffer.from('x')]) expect(arrayParameter(value)).toBe(value);
    const outside = [new Date('+010000-01-01T00:00:00Z'), new Date('0000-06-01T00:00:00Z'), new Date('-000500-01-01T00:00:00Z')];
    for (const value of [[[1, 2]], [Buffer.from('x')], [{ a: 1 }], [new Date(Number.NaN)], ...outside.map((d) => [d])]) expect(arrayParameter(value)).toBe(value);
    // The years at the edges are written by us, and read back.
    const edges = [new Date('0001-01-01T00:00:00Z'), new Date('9999-12-31T23:59:59.999Z')];
    const [ours] = await both(edges, 'timestamptz[]');
    expect((ours as Date[]).map((d) => d.toISOString())).toEqual(edges.map((d) => d.toISOString()));
  });

  it('writes the same instants whatever the session\'s time zone', async () => {
    const client = await pool.connect();
    try {
      await client.query(`set time zone 'Pacific/Chatham'`);
      const at = [new Date('2026-12-07T17:30:00.123Z'), new Date('2026-03-29T01:30:00Z')];
      const { rows } = await client.query('select $1::timestamptz[] as ours', [arrayParameter(at)]);
      expect(rows[0].ours).toEqual(at);
    } finally {
      await client.query('reset time zone');
      client.release();
    }
  });

  it('is what runPrepared sends: a prepared statement reads the arrays the writer passes', async () => {
    const statement = prepared('test_array_parameter', 'select $1::timestamptz[] as at, $2::int[] as ids, $3::text[] as errors');
    const at = [new Date('2026-12-07T00:00:00.001Z'), new Date('2026-12-07T00:00:20.500Z')];
    const { rows } = await runPrepared(pool, statement, [at, [3, 1], ['connect ECONNREFUSED 127.0.0.1:1', null]]);
    expect(rows[0]).toEqual({ at, ids: [3, 1], errors: ['connect ECONNREFUSED 127.0.0.1:1', null] });
  });
});
