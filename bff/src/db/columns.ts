import type { ColumnType } from 'kysely';

/** Column types shared by every feature's `*.tables.ts`. int8 columns are parsed as bigint (see db.ts). */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type BigIntCol = ColumnType<bigint, bigint | number | string, bigint | number | string>;
export type Json = ColumnType<unknown, string, string>;
export type GeneratedBigInt = ColumnType<bigint, bigint | number | string | undefined, bigint | number | string>;
