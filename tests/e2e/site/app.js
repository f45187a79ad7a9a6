// The frontend's two ways to call GraphQL after a REST login:
//   session: credentials: 'include' (the session cookie) + X-CSRFToken
//   token:   Authorization: Token <key>, credentials: 'omit' (no cookies at all)
// Each button writes one <output id="result-<step>" data-status="ok|error">.
'use strict';

const API = new URL(location.href).searchParams.get('api');
const state = { csrfToken: null };

// The page sends trusted documents: each operation's sha256 from the manifest
// `npm run codegen` writes (frontend/generated/persisted-documents.json, served
// next to this page), never its text, so it runs on a server with
// GRAPHQL_TRUSTED_DOCUMENTS_ONLY (production) as on a development one.
const manifest = fetch('persisted-documents.json', { cache: 'no-store' })
  .then((response) => response.json())
  .then((entries) => {
    const ids = {};
    for (const [hash, text] of Object.entries(entries)) {
      const [, name] = text.match(/\b(?:query|mutation)\s+(\w+)/) ?? [];
      if (name) ids[name] = `sha256:${hash}`;
    }
    return ids;
  });
// Not in the manifest: what an attacker (or a hand-written script) would send.
const ARBITRARY_QUERY = '{ examples { totalCount } }';
const $ = (id) => document.getElementById(id);

function show(step, status, text) {
  let output = $(`result-${step}`);
  if (!output) {
    output = document.createElement('output');
    output.id = `result-${step}`;
    $('results').append(output);
  }
  output.dataset.status = status;
  output.textContent = `${step}: ${text}`;
}

async function rest(path, { method = 'GET', body } = {}) {
  const response = await fetch(API + path, {
    method,
    credentials: 'include',
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new Error(`HTTP ${response.status} ${JSON.stringify(data)}`);
  return data;
}

async function post(mode, payload, { csrf = true } = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (mode === 'session' && csrf) headers['X-CSRFToken'] = state.csrfToken;
  if (mode === 'token') headers.Authorization = `Token ${$('token').value}`;
  const response = await fetch(`${API}/graphql/`, {
    method: 'POST',
    credentials: mode === 'session' ? 'include' : 'omit',
    headers,
    body: JSON.stringify(payload),
  });
  return { status: response.status, body: await response.json() };
}

async function graphql(mode, operationName, variables = {}, options = {}) {
  const documentId = (await manifest)[operationName];
  if (!documentId) throw new Error(`${operationName} is not in the manifest`);
  return post(mode, { documentId, operationName, variables }, options);
}

function describeErrors(result) {
  const error = result.body.errors?.[0];
  return `HTTP ${result.status} ${error?.extensions?.code ?? ''}: ${error?.message ?? JSON.stringify(result.body)}`;
}

async function listExamples(mode) {
  const result = await graphql(mode, 'Examples', { pagination: { limit: 10 } });
  if (result.body.errors) throw new Error(describeErrors(result));
  const { totalCount, results } = result.body.data.examples;
  return `totalCount=${totalCount} titles=${JSON.stringify(results.map((example) => example.title))}`;
}

async function createExample(mode, options) {
  const result = await graphql(mode, 'CreateExample', { data: { title: $('title').value } }, options);
  if (result.body.errors) throw new Error(describeErrors(result));
  const payload = result.body.data.createExample;
  if (payload.__typename !== 'Example') throw new Error(JSON.stringify(payload.messages));
  return `created #${payload.id} "${payload.title}"`;
}

const actions = {
  async register() {
    const username = $('username').value;
    const data = await rest('/api/auth/register/', {
      method: 'POST',
      body: { username, email: `${username}@example.com`, password: $('password').value },
    });
    return `registered ${data.user.username} (id ${data.user.id})`;
  },
  async login() {
    const data = await rest('/api/auth/login/', {
      method: 'POST',
      body: { username: $('username').value, password: $('password').value },
    });
    $('token').value = data.token;
    return `logged in as ${data.user.username}; token of ${data.token.length} characters`;
  },
  // After login: Django rotates the CSRF token when a session logs in. The
  // page cannot read the backend's cookies (another origin), so it takes the
  // value from the JSON body; the same call sets the csrftoken cookie.
  async csrf() {
    const data = await rest('/api/auth/csrf/');
    state.csrfToken = data.csrfToken;
    return `csrf token of ${data.csrfToken.length} characters`;
  },
  'session-examples': () => listExamples('session'),
  'session-create': () => createExample('session'),
  'session-create-no-csrf': () => createExample('session', { csrf: false }),
  'token-examples': () => listExamples('token'),
  'token-create': () => createExample('token'),
  'anonymous-me': async () => {
    const result = await graphql('anonymous', 'Me');
    if (result.body.errors) throw new Error(describeErrors(result));
    return `me=${JSON.stringify(result.body.data.me)}`;
  },
  'token-arbitrary': async () => {
    const result = await post('token', { query: ARBITRARY_QUERY });
    if (result.body.errors) throw new Error(describeErrors(result));
    return `totalCount=${result.body.data.examples.totalCount}`;
  },
};

$('page-origin').textContent = location.origin;
$('api-origin').textContent = API ?? '(missing ?api=)';
for (const [step, action] of Object.entries(actions)) {
  $(step).addEventListener('click', async () => {
    show(step, 'pending', '…');
    try {
      show(step, 'ok', await action());
    } catch (error) {
      console.error(`${step} failed:`, error);
      show(step, 'error', String(error));
    }
  });
}
