/**
 * The content security policy for everything the API serves: the console (web/dist), the Swagger
 * UI at /docs and the API's JSON. Checked in Chromium by tests/browser/console-login.test.ts and
 * console-stats.test.ts (no violation reported).
 */
export function contentSecurityPolicy(): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    // Vite's build and the Swagger UI load scripts from files only: no inline script, no eval.
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    // Element Plus, ECharts' tooltips and the Swagger UI style elements at run time. Through the
    // CSSOM (el.style) that passes without 'unsafe-inline', and the login and stats flows report no
    // violation without it; it stays until every page's browser test has run under the strict
    // policy (a component that writes a style="" attribute or a <style> element would break). Styles
    // cannot run code.
    'style-src': ["'self'", "'unsafe-inline'"],
    // The watermark is a data: SVG background; downloads are blob: URLs; ECharts draws on canvas.
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'"],
    'worker-src': ["'self'", 'blob:'],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    // No upgrade-insecure-requests: a county intranet may serve plain HTTP, and the upgrade would
    // send every asset request to an https port that is not there.
  };
}
