// Placeholder for the chat app: proves the session, offers sign-out and the widget bridge.
import { api, framed, loginUrl, tellParent } from '/fluxy/fluxy.js';

const $ = (id) => document.getElementById(id);

if (framed) {
  $('close').hidden = false;
  $('close').addEventListener('click', () => tellParent('fluxy:close'));
}
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') tellParent('fluxy:close');
});

// The dashboard's idea cards open the chat with a draft message.
window.addEventListener('message', (event) => {
  if (event.origin !== location.origin || event.source !== window.parent) return;
  if (event.data?.type === 'fluxy:draft' && typeof event.data.text === 'string') {
    $('draft').value = event.data.text;
    $('draft').style.height = `${Math.min($('draft').scrollHeight + 2, 160)}px`;
  }
});
$('composer').addEventListener('submit', (event) => event.preventDefault());

$('sign-out').addEventListener('click', async () => {
  $('sign-out').disabled = true;
  await api('/api/portal/logout', { method: 'POST' });
  location.replace(loginUrl('/fluxy/'));
});

const res = await api('/api/onboard/status');
$('loading').hidden = true;
if (res.status === 401) {
  location.replace(loginUrl('/fluxy/'));
} else if (!res.ok) {
  $('error').textContent = res.error.message;
  $('error').hidden = false;
} else if (res.data?.configured === false) {
  $('not-configured').hidden = false;
} else {
  $('ready').hidden = false;
  const parts = [];
  if (res.data?.username) parts.push(`Signed in as ${res.data.username}`);
  if (res.data?.model) parts.push(`model ${res.data.model}`);
  $('who').textContent = parts.join(' · ');
}
