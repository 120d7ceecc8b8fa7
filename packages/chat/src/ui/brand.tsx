import { Icon } from './icons.tsx';

export function Brand() {
  return (
    <div className="brand">
      <span className="brand-mark">
        <Icon name="logo" size={18} />
      </span>
      Fluxy
    </div>
  );
}
