/** SigV4 signing against the example in the S3 documentation (GET object with a Range header). */
import { describe, expect, it } from 'vitest';
import { EMPTY_SHA256, signV4, uriEncode } from '../../src/storage/s3-sign.ts';

describe('SigV4', () => {
  it('signs the documented GET object example', () => {
    const headers = signV4({
      method: 'GET',
      host: 'examplebucket.s3.amazonaws.com',
      path: '/test.txt',
      headers: { Range: 'bytes=0-9' },
      payloadHash: EMPTY_SHA256,
      region: 'us-east-1',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      date: new Date('2013-05-24T00:00:00Z'),
    });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(headers['x-amz-date']).toBe('20130524T000000Z');
  });

  it('encodes keys as SigV4 wants', () => {
    expect(uriEncode('sha256/ab/x y+z~', true)).toBe('sha256/ab/x%20y%2Bz~');
    expect(uriEncode('ä/')).toBe('%C3%A4%2F');
  });
});
