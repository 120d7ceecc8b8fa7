// First run: until Fluxy is configured, its setup wizard (/fluxy/setup, a static Fluxy page)
// covers the dashboard. The wizard posts {type:'fluxy:onboard-complete'} when done.
import { useEffect, useState } from 'react';

export function OnboardingFrame() {
  const [show, setShow] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    fetch('/api/onboard/status', { credentials: 'same-origin', signal: controller.signal })
      .then((res) => (res.ok ? (res.json() as Promise<{ configured?: boolean }>) : null))
      .then((status) => {
        if (status && status.configured === false) setShow(true);
      })
      // No Fluxy in front (opened on the Vite port directly) or offline: just show the app.
      .catch(() => undefined);

    const onMessage = (event: MessageEvent) => {
      if (event.origin !== window.location.origin) return;
      if ((event.data as { type?: unknown } | null)?.type === 'fluxy:onboard-complete') setShow(false);
    };
    window.addEventListener('message', onMessage);
    return () => {
      controller.abort();
      window.removeEventListener('message', onMessage);
    };
  }, []);

  if (!show) return null;
  return (
    <iframe
      src="/fluxy/setup"
      title="Set up Fluxy"
      className="fixed inset-0 z-[2147483600] h-dvh w-full border-0 bg-zinc-50 dark:bg-[#0c0c12]"
    />
  );
}
