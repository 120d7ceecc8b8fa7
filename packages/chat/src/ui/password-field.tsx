import { useId, useState } from 'react';

/**
 * A password input with a show/hide toggle. The toggle has its own name ("Show password"), outside
 * the label, so the field's accessible name is exactly its label.
 */
export function PasswordField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  autoComplete: string;
  hint?: string;
  placeholder?: string;
  invalid?: boolean;
  inputRef?: React.Ref<HTMLInputElement>;
}) {
  const id = useId();
  const [shown, setShown] = useState(false);
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <div className="with-toggle">
        <input
          id={id}
          ref={props.inputRef}
          type={shown ? 'text' : 'password'}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          autoComplete={props.autoComplete}
          autoCapitalize="none"
          spellCheck={false}
          placeholder={props.placeholder}
          aria-invalid={props.invalid || undefined}
          aria-describedby={props.hint ? `${id}-hint` : undefined}
        />
        <button type="button" className="toggle" aria-label={shown ? 'Hide password' : 'Show password'} aria-pressed={shown} onClick={() => setShown(!shown)}>
          {shown ? 'Hide' : 'Show'}
        </button>
      </div>
      {props.hint && (
        <small className="hint" id={`${id}-hint`}>
          {props.hint}
        </small>
      )}
    </div>
  );
}

export function TextField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  optional?: boolean;
  hint?: string;
  type?: string;
  autoComplete?: string;
  placeholder?: string;
  invalid?: boolean;
  inputMode?: React.HTMLAttributes<HTMLInputElement>['inputMode'];
  inputRef?: React.Ref<HTMLInputElement>;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label}
        {props.optional && <span className="optional" aria-hidden="true"> (optional)</span>}
      </label>
      <input
        id={id}
        ref={props.inputRef}
        type={props.type ?? 'text'}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        autoComplete={props.autoComplete ?? 'off'}
        autoCapitalize="none"
        spellCheck={false}
        placeholder={props.placeholder}
        inputMode={props.inputMode}
        aria-invalid={props.invalid || undefined}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
      {props.hint && (
        <small className="hint" id={`${id}-hint`}>
          {props.hint}
        </small>
      )}
    </div>
  );
}

/** The one error box every screen uses (never the browser's validation bubble). */
export function ErrorBox({ message }: { message: string }) {
  return (
    <div className="alert" role="alert" hidden={!message}>
      {message}
    </div>
  );
}
