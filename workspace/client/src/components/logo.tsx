// The app's mark: the same drawing as public/icon.svg.
export function Logo({ className = 'size-8' }: { className?: string }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 512 512" className={className}>
      <defs>
        <linearGradient id="logo-bg" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#8b5cf6" />
          <stop offset="0.55" stopColor="#6d5dfc" />
          <stop offset="1" stopColor="#38bdf8" />
        </linearGradient>
      </defs>
      <rect width="512" height="512" rx="116" fill="url(#logo-bg)" />
      <g fill="none" stroke="#fff" strokeLinecap="round" strokeWidth="40">
        <path d="M136 196c40-44 80-44 120 0s80 44 120 0" />
        <path d="M136 276c40-44 80-44 120 0s80 44 120 0" opacity="0.8" />
        <path d="M136 356c40-44 80-44 120 0" opacity="0.6" />
      </g>
    </svg>
  );
}
