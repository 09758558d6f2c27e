/** The streaming multipart reader, fed in chunks of every size. */
import { describe, expect, it } from 'vitest';
import { MultipartError, boundaryOf, parseMultipart, type PartHeaders } from '../../src/http/multipart.ts';

const B = '----buildtrace7MA4YWxkTrZu0gW';

function body(parts: { headers: string; content: Buffer | string }[], preamble = '', epilogue = ''): Buffer {
  const chunks: Buffer[] = [Buffer.from(preamble)];
  for (const p of parts)
    chunks.push(Buffer.from(`--${B}\r\n${p.headers}\r\n\r\n`), Buffer.from(p.content), Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${B}--\r\n${epilogue}`));
  return Buffer.concat(chunks);
}

async function* inChunks(data: Buffer, size: number) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function read(data: Buffer, size: number) {
  const parts: { headers: PartHeaders; content: Buffer }[] = [];
  let current: Buffer[] = [];
  for await (const event of parseMultipart(inChunks(data, size), B)) {
    if (event.type === 'part') parts.push({ headers: event.headers, content: Buffer.alloc(0) });
    else if (event.type === 'data') current.push(event.chunk);
    else {
      parts[parts.length - 1]!.content = Buffer.concat(current);
      current = [];
    }
  }
  return parts;
}

// Bytes that look like the start of a delimiter inside the file.
const tricky = Buffer.concat([
  Buffer.from('%PDF-1.7\r\n--'),
  Buffer.from(`\r\n--${B.slice(0, 10)}`),
  Buffer.from([0, 13, 10, 45, 45, 255]),
  Buffer.alloc(3000, 7),
]);

describe('multipart reader', () => {
  const data = body(
    [
      { headers: 'Content-Disposition: form-data; name="note"', content: 'Photo of the repair – ok' },
      {
        headers: `Content-Disposition: form-data; name="file"; filename="r%22e%22port.pdf"\r\nContent-Type: application/pdf`,
        content: tricky,
      },
    ],
    'preamble to ignore\r\n',
    'epilogue to ignore',
  );

  for (const size of [1, 2, 3, 7, 64, 1000, data.length]) {
    it(`reads parts fed ${size} bytes at a time`, async () => {
      const parts = await read(data, size);
      expect(parts.map((p) => p.headers)).toEqual([
        { name: 'note', filename: undefined, contentType: undefined },
        { name: 'file', filename: 'r"e"port.pdf', contentType: 'application/pdf' },
      ]);
      expect(parts[0]!.content.toString('utf8')).toBe('Photo of the repair – ok');
      expect(parts[1]!.content.equals(tricky)).toBe(true);
    });
  }

  it('keeps backslashes in file names, as browsers send them', async () => {
    const parts = await read(
      body([
        {
          headers: 'Content-Disposition: form-data; name="file"; filename="C:\\temp\\log.txt"',
          content: 'x',
        },
      ]),
      3,
    );
    expect(parts[0]!.headers.filename).toBe('C:\\temp\\log.txt');
  });

  it('decodes RFC 5987 file names and takes an empty file', async () => {
    const parts = await read(
      body([
        {
          headers: `Content-Disposition: form-data; name="file"; filename="fallback.txt"; filename*=UTF-8''Pr%C3%BCfbericht.txt`,
          content: '',
        },
      ]),
      5,
    );
    expect(parts[0]!.headers.filename).toBe('Prüfbericht.txt');
    expect(parts[0]!.content.length).toBe(0);
  });

  it('refuses a body that ends early or is malformed', async () => {
    const whole = body([
      { headers: 'Content-Disposition: form-data; name="file"; filename="a"', content: 'abc' },
    ]);
    await expect(read(whole.subarray(0, whole.length - 10), 4)).rejects.toThrow(MultipartError);
    await expect(read(Buffer.from(`--${B}\r\nX-Nothing: 1\r\n\r\nabc\r\n--${B}--`), 4)).rejects.toThrow(
      /Content-Disposition/,
    );
    await expect(read(Buffer.from('no boundary at all'), 4)).rejects.toThrow(/ended before/);
  });

  it('reads the boundary from the Content-Type', () => {
    expect(boundaryOf(`multipart/form-data; boundary=${B}`)).toBe(B);
    expect(boundaryOf('multipart/form-data; boundary="a b c"')).toBe('a b c');
    expect(boundaryOf('application/json')).toBeNull();
    expect(boundaryOf('multipart/form-data')).toBeNull();
  });
});
