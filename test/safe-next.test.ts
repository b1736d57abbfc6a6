// Where the sign-in page sends the visitor afterwards (?next=): a path on the web app, never another
// site, whatever the URL parser makes of the text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeNext } from '../apps/web/lib/auth-api.ts';

const PAGE = 'http://localhost:3000';
/** What `?next=` holds once the page has read it, as URLSearchParams decodes it. */
const fromQuery = (query: string) => new URLSearchParams(query).get('next');

test('paths on this site come back as the parsed path', () => {
  assert.equal(safeNext('/room/abc?invite=t.k#mixer', PAGE), '/room/abc?invite=t.k#mixer');
  assert.equal(safeNext('/', PAGE), '/');
  assert.equal(safeNext(null, PAGE), '/');
  assert.equal(safeNext('', PAGE), '/');
  assert.equal(safeNext(`${PAGE}/room/abc`, PAGE), '/room/abc', 'an absolute URL of this site');
});

test('every way to another site ends on /, and the browser would have gone there', () => {
  const attacks = [
    fromQuery('next=%2F%09%2Fevil.example%2Fphish'), // the reported one: a tab after the first slash
    '/\n/evil.example',
    '/\r\n/evil.example',
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '\\/evil.example',
    '/\t\\evil.example',
    ' //evil.example',
    'https://evil.example/phish',
    'https:evil.example',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
  ];
  for (const next of attacks) {
    const raw = new URL(next!, PAGE);
    assert.notEqual(raw.origin, PAGE, `${JSON.stringify(next)} leaves the page`);
    assert.equal(safeNext(next, PAGE), '/', JSON.stringify(next));
  }
});

test('what comes back stays on the page when the browser resolves it', () => {
  // The parsed path of `/a/..//evil.example` is `//evil.example`: on its own, another site.
  const paths = ['/a/b/../c', '/a//b', '/a/..//evil.example', '/%2e%2e//evil.example', '/%2F%2Fevil.example', '/room/x?next=//evil.example', 'room/x'];
  for (const next of paths) {
    const out = safeNext(next, PAGE);
    assert.equal(new URL(out, PAGE).origin, PAGE, JSON.stringify(next));
    assert.ok(out.startsWith('/') && !out.startsWith('//') && !out.startsWith('/\\'), out);
  }
});
