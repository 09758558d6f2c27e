/**
 * The IPP/1.1 wire format (RFC 8010 §3): a version, an operation id (request) or status code
 * (response), a request id, attribute groups of tagged attributes, the end-of-attributes tag, then
 * the document data. Encodes and decodes both directions, so the driver and a test printer share it.
 */

/** Delimiter tags: where an attribute group begins (RFC 8010 §3.5.1). */
export const GROUP = {
  operation: 0x01,
  job: 0x02,
  end: 0x03,
  printer: 0x04,
  unsupported: 0x05,
} as const;

/** Value tags (RFC 8010 §3.5.2) the driver writes or reads. */
export const TAG = {
  unsupported: 0x10,
  unknown: 0x12,
  noValue: 0x13,
  integer: 0x21,
  boolean: 0x22,
  enum: 0x23,
  octetString: 0x30,
  dateTime: 0x31,
  resolution: 0x32,
  rangeOfInteger: 0x33,
  begCollection: 0x34,
  textWithLanguage: 0x35,
  nameWithLanguage: 0x36,
  endCollection: 0x37,
  text: 0x41,
  name: 0x42,
  keyword: 0x44,
  uri: 0x45,
  uriScheme: 0x46,
  charset: 0x47,
  naturalLanguage: 0x48,
  mimeMediaType: 0x49,
  memberAttrName: 0x4a,
} as const;

/** Operation ids (RFC 8011 §5.4.15). */
export const OP = {
  printJob: 0x0002,
  cancelJob: 0x0008,
  getJobAttributes: 0x0009,
  getJobs: 0x000a,
  getPrinterAttributes: 0x000b,
} as const;

/** A member collection: member name → values. */
export interface IppCollection {
  [member: string]: IppValue[];
}

/**
 * One value: integers and enums as numbers, strings of every string syntax as strings, out-of-band
 * values (no-value, unknown, unsupported) as null, ranges and resolutions as objects, dates as Date.
 */
export type IppValue =
  | number
  | boolean
  | string
  | null
  | Date
  | Uint8Array
  | { lower: number; upper: number }
  | { x: number; y: number; units: number }
  | IppCollection;

export interface IppAttribute {
  name: string;
  tag: number;
  values: IppValue[];
}

export interface IppGroup {
  tag: number;
  attributes: IppAttribute[];
}

export interface IppMessage {
  /** Operation id in a request, status code in a response. */
  code: number;
  requestId: number;
  groups: IppGroup[];
  /** Document data after the attributes (a Print-Job's PDF). */
  data?: Uint8Array;
}

const STRING_TAGS = new Set<number>([
  TAG.octetString,
  TAG.text,
  TAG.name,
  TAG.keyword,
  TAG.uri,
  TAG.uriScheme,
  TAG.charset,
  TAG.naturalLanguage,
  TAG.mimeMediaType,
  TAG.memberAttrName,
]);

/** Encodes a message as IPP/1.1 bytes. */
export function encodeIpp(message: IppMessage): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(8);
  head.writeUInt8(1, 0);
  head.writeUInt8(1, 1);
  head.writeUInt16BE(message.code, 2);
  head.writeUInt32BE(message.requestId >>> 0, 4);
  parts.push(head);
  for (const group of message.groups) {
    parts.push(Buffer.from([group.tag]));
    for (const attribute of group.attributes) {
      const values = attribute.values.length > 0 ? attribute.values : [null];
      values.forEach((value, i) => encodeValue(parts, i === 0 ? attribute.name : '', attribute.tag, value));
    }
  }
  parts.push(Buffer.from([GROUP.end]));
  if (message.data) parts.push(Buffer.from(message.data));
  return Buffer.concat(parts);
}

function field(parts: Buffer[], tag: number, name: string, value: Buffer): void {
  const nameBytes = Buffer.from(name, 'utf8');
  const head = Buffer.alloc(3 + nameBytes.length + 2);
  head.writeUInt8(tag, 0);
  head.writeUInt16BE(nameBytes.length, 1);
  nameBytes.copy(head, 3);
  head.writeUInt16BE(value.length, 3 + nameBytes.length);
  parts.push(head, value);
}

function encodeValue(parts: Buffer[], name: string, tag: number, value: IppValue): void {
  // An absent value is the out-of-band no-value, whatever the attribute's syntax.
  if (value === null) return field(parts, TAG.noValue, name, Buffer.alloc(0));
  if (tag === TAG.integer || tag === TAG.enum) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(Number(value), 0);
    return field(parts, tag, name, b);
  }
  if (tag === TAG.boolean) return field(parts, tag, name, Buffer.from([value === true ? 1 : 0]));
  if (tag === TAG.begCollection && typeof value === 'object' && !(value instanceof Date)) {
    field(parts, tag, name, Buffer.alloc(0));
    for (const [member, memberValues] of Object.entries(value as IppCollection)) {
      field(parts, TAG.memberAttrName, '', Buffer.from(member, 'utf8'));
      for (const memberValue of memberValues) {
        encodeValue(parts, '', tagOf(memberValue), memberValue);
      }
    }
    return field(parts, TAG.endCollection, '', Buffer.alloc(0));
  }
  if (value instanceof Uint8Array) return field(parts, tag, name, Buffer.from(value));
  if (typeof value === 'string') return field(parts, tag, name, Buffer.from(value, 'utf8'));
  throw new TypeError(`cannot encode ${JSON.stringify(value)} as IPP tag 0x${tag.toString(16)}`);
}

/** The tag a collection member's value is written with (numbers as integers, strings as text). */
function tagOf(value: IppValue): number {
  if (typeof value === 'number') return TAG.integer;
  if (typeof value === 'boolean') return TAG.boolean;
  if (typeof value === 'string') return TAG.keyword;
  if (value === null) return TAG.noValue;
  return TAG.begCollection;
}

/** Thrown for bytes that are not an IPP message. */
export class IppDecodeError extends Error {}

/** Decodes IPP bytes (request or response); the rest after the attributes is `data`. */
export function decodeIpp(bytes: Uint8Array): IppMessage {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 9) throw new IppDecodeError(`an IPP message is at least 9 bytes, got ${buf.length}`);
  const message: IppMessage = { code: buf.readUInt16BE(2), requestId: buf.readUInt32BE(4), groups: [] };
  let offset = 8;
  let group: IppGroup | null = null;
  let attribute: IppAttribute | null = null;
  // Open collections, innermost last; `member` is the member name values go to.
  const stack: { target: IppCollection; member: string }[] = [];
  const need = (n: number) => {
    if (offset + n > buf.length) throw new IppDecodeError('IPP message ends inside an attribute');
  };
  for (;;) {
    need(1);
    const tag = buf.readUInt8(offset++);
    if (tag === GROUP.end) break;
    if (tag < 0x10) {
      group = { tag, attributes: [] };
      message.groups.push(group);
      attribute = null;
      continue;
    }
    need(2);
    const nameLength = buf.readUInt16BE(offset);
    need(2 + nameLength + 2);
    const name = buf.toString('utf8', offset + 2, offset + 2 + nameLength);
    offset += 2 + nameLength;
    const valueLength = buf.readUInt16BE(offset);
    need(2 + valueLength);
    const raw = buf.subarray(offset + 2, offset + 2 + valueLength);
    offset += 2 + valueLength;
    if (!group) throw new IppDecodeError('IPP attribute outside a group');
    const open = stack[stack.length - 1];
    if (open) {
      if (tag === TAG.endCollection) {
        stack.pop();
        continue;
      }
      if (tag === TAG.memberAttrName) {
        open.member = raw.toString('utf8');
        open.target[open.member] = [];
        continue;
      }
      const list = open.target[open.member] ?? (open.target[open.member] = []);
      if (tag === TAG.begCollection) {
        const inner: IppCollection = {};
        list.push(inner);
        stack.push({ target: inner, member: '' });
      } else list.push(decodeValue(tag, raw));
      continue;
    }
    if (nameLength > 0 || !attribute) {
      attribute = { name, tag, values: [] };
      group.attributes.push(attribute);
    }
    if (tag === TAG.begCollection) {
      const inner: IppCollection = {};
      attribute.values.push(inner);
      stack.push({ target: inner, member: '' });
    } else attribute.values.push(decodeValue(tag, raw));
  }
  if (offset < buf.length) message.data = buf.subarray(offset);
  return message;
}

function decodeValue(tag: number, raw: Buffer): IppValue {
  if (tag === TAG.integer || tag === TAG.enum) return raw.length === 4 ? raw.readInt32BE(0) : null;
  if (tag === TAG.boolean) return raw[0] === 1;
  if (tag === TAG.rangeOfInteger && raw.length === 8) {
    return { lower: raw.readInt32BE(0), upper: raw.readInt32BE(4) };
  }
  if (tag === TAG.resolution && raw.length === 9) {
    return { x: raw.readInt32BE(0), y: raw.readInt32BE(4), units: raw.readInt8(8) };
  }
  if (tag === TAG.dateTime && raw.length === 11) {
    const sign = raw.toString('latin1', 8, 9) === '-' ? -1 : 1;
    const offsetMinutes = sign * (raw.readUInt8(9) * 60 + raw.readUInt8(10));
    const utc = Date.UTC(
      raw.readUInt16BE(0),
      raw.readUInt8(2) - 1,
      raw.readUInt8(3),
      raw.readUInt8(4),
      raw.readUInt8(5),
      raw.readUInt8(6),
      raw.readUInt8(7) * 100,
    );
    return new Date(utc - offsetMinutes * 60_000);
  }
  if (tag === TAG.textWithLanguage || tag === TAG.nameWithLanguage) {
    // language length, language, text length, text
    const languageLength = raw.length >= 2 ? raw.readUInt16BE(0) : 0;
    const at = 2 + languageLength;
    return raw.length >= at + 2 ? raw.toString('utf8', at + 2, at + 2 + raw.readUInt16BE(at)) : '';
  }
  if (STRING_TAGS.has(tag) || (tag >= 0x40 && tag <= 0x5f)) return raw.toString('utf8');
  if (tag === TAG.noValue || tag === TAG.unknown || tag === TAG.unsupported) return null;
  return new Uint8Array(raw);
}

/** The first attribute of that name in groups with that tag (any group when `groupTag` is omitted). */
export function findAttribute(groups: IppGroup[], name: string, groupTag?: number): IppAttribute | undefined {
  for (const group of groups) {
    if (groupTag !== undefined && group.tag !== groupTag) continue;
    const attribute = group.attributes.find((a) => a.name === name);
    if (attribute) return attribute;
  }
  return undefined;
}

/** The attributes of one group as name → values (a job's, the printer's). */
export function attributeMap(group: IppGroup): Map<string, IppValue[]> {
  return new Map(group.attributes.map((a) => [a.name, a.values]));
}

/** Shorthands for writing request attributes. */
export const attr = {
  charset: (): IppAttribute => ({ name: 'attributes-charset', tag: TAG.charset, values: ['utf-8'] }),
  language: (): IppAttribute => ({
    name: 'attributes-natural-language',
    tag: TAG.naturalLanguage,
    values: ['en'],
  }),
  uri: (name: string, value: string): IppAttribute => ({ name, tag: TAG.uri, values: [value] }),
  name: (name: string, value: string): IppAttribute => ({ name, tag: TAG.name, values: [value] }),
  keyword: (name: string, ...values: string[]): IppAttribute => ({ name, tag: TAG.keyword, values }),
  integer: (name: string, value: number): IppAttribute => ({ name, tag: TAG.integer, values: [value] }),
  enum: (name: string, value: number): IppAttribute => ({ name, tag: TAG.enum, values: [value] }),
  text: (name: string, value: string): IppAttribute => ({ name, tag: TAG.text, values: [value] }),
  mime: (name: string, ...values: string[]): IppAttribute => ({ name, tag: TAG.mimeMediaType, values }),
  boolean: (name: string, value: boolean): IppAttribute => ({ name, tag: TAG.boolean, values: [value] }),
};

/** Status codes 0x0000–0x00ff are successes (RFC 8011 §B.1). */
export function isSuccess(status: number): boolean {
  return status <= 0x00ff;
}
