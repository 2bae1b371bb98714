import assert from 'node:assert/strict';

export interface WireAnswer {
  status: number;
  headers: Headers;
  json: any;
  text: string;
}

/** Asserts a Kibo-shaped error (CONTRACT §7) with this status and code; returns the body. */
export function assertKibo(r: WireAnswer, status: number, errorCode: string): any {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  assertKiboShape(r.json, r.text);
  assert.equal(r.json.errorCode, errorCode, r.text);
  assert.ok(r.headers.get('x-vol-correlation'), 'every answer carries x-vol-correlation');
  return r.json;
}

/** Asserts a body has exactly Kibo's error shape. */
export function assertKiboShape(json: any, text = JSON.stringify(json)): void {
  assert.ok(json && typeof json === 'object' && !Array.isArray(json), `not a JSON object: ${text}`);
  assert.deepEqual(
    Object.keys(json).sort(),
    ['additionalErrorData', 'applicationName', 'errorCode', 'items', 'message'],
    text,
  );
  assert.equal(typeof json.message, 'string', text);
  assert.match(json.errorCode, /^[A-Z_]+$/, text);
  assert.equal(json.applicationName, 'Customer', text);
  assert.ok(Array.isArray(json.additionalErrorData), text);
  for (const d of json.additionalErrorData) assert.deepEqual(Object.keys(d).sort(), ['name', 'value'], text);
  assert.deepEqual(json.items, [], text);
}
