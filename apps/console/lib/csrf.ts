// kas answers a login with a CSRF token that every mutation must echo in X-Csrf-Token.
// Kept in sessionStorage so a reload in the same tab keeps working; the session cookie itself is httpOnly.
const key = 'mooring.csrf';

export function getCsrfToken(): string | null {
  if (typeof window === 'undefined') return null;
  return window.sessionStorage.getItem(key);
}

export function setCsrfToken(token: string | null): void {
  if (token) window.sessionStorage.setItem(key, token);
  else window.sessionStorage.removeItem(key);
}
