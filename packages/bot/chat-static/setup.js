// The first-run wizard. Opened from the one-time link (/fluxy/setup#<token>) or, once signed in,
// from the dashboard's onboarding overlay. Saves everything with one POST /api/onboard.
import { api, framed, loginUrl, tellParent, wirePasswordToggles } from '/fluxy/fluxy.js';

const MODELS = {
  anthropic: [
    ['claude-sonnet-4-5', 'Claude Sonnet 4.5', 'Best balance of speed and skill'],
    ['claude-opus-4-1', 'Claude Opus 4.1', 'Most capable, slower and pricier'],
    ['claude-haiku-4-5', 'Claude Haiku 4.5', 'Fastest and cheapest'],
  ],
  openai: [
    ['gpt-5', 'GPT-5', 'Most capable'],
    ['gpt-5-mini', 'GPT-5 mini', 'Faster and cheaper'],
  ],
};
const KEY_TEXT = {
  anthropic: ['Connect Claude', 'Paste an API key from console.anthropic.com → API keys.', 'Starts with sk-ant-', 'sk-ant-…'],
  openai: ['Connect OpenAI', 'Paste an API key from platform.openai.com → API keys.', 'Starts with sk-', 'sk-…'],
  ollama: ['Where is Ollama?', 'Fluxy talks to Ollama on this computer. Change the address only if it runs elsewhere.', '', ''],
};
const STEPS = ['welcome', 'model', 'key', 'portal', 'whisper'];
const $ = (id) => document.getElementById(id);

const state = { provider: 'anthropic', model: 'claude-sonnet-4-5' };

function show(name) {
  for (const el of document.querySelectorAll('.card > section, .card > form')) el.hidden = el.id !== `step-${name}`;
  const index = STEPS.indexOf(name);
  $('progress').hidden = index < 0;
  if (index >= 0) {
    $('progress-fill').style.width = `${((index + 1) / STEPS.length) * 100}%`;
    $('progress-text').textContent = `Step ${index + 1} of ${STEPS.length}`;
  }
  // Focus the first field on wide screens only: on phones it would pop the keyboard over the explanation.
  const first = document.querySelector(`#step-${name} input:not([type=radio]):not([type=checkbox])`);
  if (first && matchMedia('(min-width: 640px)').matches) first.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

function setError(form, message) {
  const box = form.querySelector('[data-error]');
  box.textContent = message;
  box.hidden = !message;
}

function renderModels() {
  const list = $('model-list');
  list.replaceChildren();
  const models = MODELS[state.provider];
  $('model-free').hidden = Boolean(models);
  list.hidden = !models;
  $('model-label').hidden = !models;
  if (!models) {
    $('ollama-model').value = state.provider === 'ollama' && state.model ? state.model : $('ollama-model').value;
    return;
  }
  if (!models.some(([id]) => id === state.model)) state.model = models[0][0];
  for (const [id, name, blurb] of models) {
    const label = document.createElement('label');
    label.className = 'choice';
    const input = Object.assign(document.createElement('input'), { type: 'radio', name: 'model', value: id, checked: id === state.model });
    input.addEventListener('change', () => {
      state.model = id;
    });
    const span = document.createElement('span');
    const b = document.createElement('b');
    b.textContent = name;
    const small = document.createElement('small');
    small.textContent = blurb;
    span.append(b, small);
    label.append(input, span);
    list.append(label);
  }
}

function renderKeyStep() {
  const [title, lead, hint, placeholder] = KEY_TEXT[state.provider];
  $('key-title').textContent = title;
  $('key-lead').textContent = lead;
  $('key-hint').textContent = hint;
  $('api-key').placeholder = placeholder;
  const ollama = state.provider === 'ollama';
  $('key-field').hidden = ollama;
  // For Ollama the address is the main question, so it is not tucked away.
  $('base-url-details').open = ollama || Boolean($('base-url').value);
  $('base-url-summary').textContent = ollama ? 'Ollama address' : 'Advanced: custom API address';
  $('base-url').placeholder = ollama ? 'http://127.0.0.1:11434' : state.provider === 'openai' ? 'https://api.openai.com/v1' : 'https://api.anthropic.com';
  $('base-url-hint').textContent = ollama ? 'Leave empty for Ollama on this computer.' : 'Only for a proxy or a compatible server.';
  $('reuse-openai').hidden = state.provider !== 'openai';
  $('whisper-field').hidden = state.provider === 'openai' && $('reuse-openai-key').checked;
}

async function save(form) {
  const button = $('finish');
  const body = { provider: state.provider, model: state.model, password: $('portal-password').value };
  const username = $('portal-username').value.trim();
  if (username) body.username = username;
  const apiKey = $('api-key').value.trim();
  if (apiKey && state.provider !== 'ollama') body.apiKey = apiKey;
  const baseUrl = $('base-url').value.trim();
  if (baseUrl) body.baseUrl = baseUrl;
  const whisperKey = state.provider === 'openai' && $('reuse-openai-key').checked ? apiKey : $('whisper-key').value.trim();
  if (whisperKey) body.whisperKey = whisperKey;

  button.disabled = true;
  button.innerHTML = '<span class="spinner"></span> Saving…';
  setError(form, '');
  const res = await api('/api/onboard', { method: 'POST', body });
  button.disabled = false;
  button.textContent = 'Finish setup';
  if (res.ok) {
    show('done');
    return;
  }
  if (res.status === 401) {
    setError(form, 'Your session has expired. Sign in again to finish.');
    setTimeout(() => location.assign(loginUrl('/fluxy/setup')), 1500);
    return;
  }
  setError(form, res.error?.message || 'Could not save the settings. Try again.');
}

const handlers = {
  welcome: () => show('model'),
  model: () => {
    if (state.provider === 'ollama') {
      const name = $('ollama-model').value.trim();
      if (!name) {
        $('ollama-model').setAttribute('aria-invalid', 'true');
        $('ollama-model').focus();
        return;
      }
      state.model = name;
    }
    renderKeyStep();
    show('key');
  },
  key: (form) => {
    const key = $('api-key').value.trim();
    if (state.provider !== 'ollama' && !key) {
      setError(form, 'Paste your API key to continue.');
      $('api-key').focus();
      return;
    }
    const baseUrl = $('base-url').value.trim();
    if (baseUrl && !/^https?:\/\/[^\s]+$/i.test(baseUrl)) {
      setError(form, 'The base URL must start with http:// or https://');
      return;
    }
    setError(form, '');
    show('portal');
  },
  portal: (form) => {
    const password = $('portal-password').value;
    if (password.length < 8) {
      setError(form, 'Use at least 8 characters.');
      $('portal-password').focus();
      return;
    }
    if (password !== $('portal-password2').value) {
      setError(form, 'The two passwords differ.');
      $('portal-password2').focus();
      return;
    }
    setError(form, '');
    show('whisper');
  },
  whisper: (form) => save(form),
};

for (const name of STEPS) {
  const form = $(`step-${name}`);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    handlers[name](form);
  });
  form.querySelector('[data-back]')?.addEventListener('click', () => show(STEPS[STEPS.indexOf(name) - 1]));
}
for (const radio of document.querySelectorAll('input[name=provider]')) {
  radio.addEventListener('change', () => {
    state.provider = radio.value;
    renderModels();
  });
}
$('ollama-model').addEventListener('input', () => $('ollama-model').removeAttribute('aria-invalid'));
$('reuse-openai-key').addEventListener('change', renderKeyStep);
$('open-app').addEventListener('click', () => {
  if (framed) tellParent('fluxy:onboard-complete');
  else location.assign('/');
});
wirePasswordToggles();

function startWizard(status) {
  if (status) {
    if (status.provider && (MODELS[status.provider] || status.provider === 'ollama')) state.provider = status.provider;
    if (status.model) state.model = status.model;
    if (status.username) $('portal-username').value = status.username;
    $('reconfigure-note').hidden = !status.configured;
  }
  for (const radio of document.querySelectorAll('input[name=provider]')) radio.checked = radio.value === state.provider;
  renderModels();
  renderKeyStep();
  show('welcome');
}

async function start() {
  const token = location.hash.slice(1);
  if (token) {
    // Take the one-time token out of the address bar and history before anything else.
    history.replaceState(null, '', location.pathname + location.search);
    $('connect-text').textContent = 'Signing you in…';
    const res = await api('/api/portal/setup-token', { method: 'POST', body: { token: decodeURIComponent(token) } });
    if (!res.ok && res.status !== 401) {
      $('connect-text').textContent = res.error?.message || 'Could not open the setup. Reload to try again.';
      return;
    }
    if (!res.ok) {
      // A used link, but this browser may already be signed in from the first visit.
      const status = await api('/api/onboard/status');
      if (status.ok) startWizard(status.data);
      else show('link-error');
      return;
    }
  }
  const status = await api('/api/onboard/status');
  if (status.status === 401) {
    location.replace(loginUrl('/fluxy/setup'));
    return;
  }
  if (!status.ok) {
    $('connect-text').textContent = status.error?.message || 'Could not reach Fluxy. Reload to try again.';
    return;
  }
  startWizard(status.data);
}

start();
