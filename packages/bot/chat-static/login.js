import { api, safeNext, wirePasswordToggles } from '/fluxy/fluxy.js';

const form = document.getElementById('login');
const username = document.getElementById('username');
const password = document.getElementById('password');
const submit = document.getElementById('submit');
const errorBox = document.getElementById('error');
const next = safeNext(new URLSearchParams(location.search).get('next'));

wirePasswordToggles();

// Already signed in (e.g. a bookmarked login page): go straight on.
api('/api/onboard/status').then((res) => {
  if (res.ok) location.replace(next);
});

let cooldown = null;

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = !message;
  password.setAttribute('aria-invalid', message ? 'true' : 'false');
}

function busy(on) {
  submit.disabled = on;
  submit.innerHTML = on ? '<span class="spinner"></span> Signing in…' : 'Sign in';
}

/** Throttled: keep the button off and count down, so the user knows when to try again. */
function startCooldown(seconds) {
  clearInterval(cooldown);
  let left = seconds;
  const tick = () => {
    if (left <= 0) {
      clearInterval(cooldown);
      showError('');
      submit.disabled = false;
      return;
    }
    showError(`Too many attempts. Try again in ${left} s.`);
    submit.disabled = true;
    left -= 1;
  };
  tick();
  cooldown = setInterval(tick, 1000);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!password.value) {
    showError('Enter your password.');
    password.focus();
    return;
  }
  busy(true);
  showError('');
  const body = { password: password.value };
  if (username.value.trim()) body.username = username.value.trim();
  const res = await api('/api/portal/login', { method: 'POST', body });
  if (res.ok) {
    location.replace(next);
    return;
  }
  busy(false);
  if (res.status === 429) {
    startCooldown(res.retryAfter ?? 30);
  } else if (res.status === 401) {
    showError(res.error?.message || 'Wrong username or password.');
    password.select();
  } else {
    showError(res.error?.message || 'Something went wrong. Try again.');
  }
});
