// The colour scheme, set before the first paint (a classic script in <head>, ahead of the
// stylesheet): <html data-scheme="light|dark"> picks the palette in css/app.css. It follows
// <html data-theme> (Settings: "system", "light" or "dark"), and for "system" the OS, as either
// changes. Plain custom properties instead of light-dark(), which WebKit lacks before Safari 17.5.
(() => {
  const root = document.documentElement;
  const systemDark = matchMedia('(prefers-color-scheme: dark)');
  const apply = () => {
    const theme = root.dataset.theme;
    const scheme = theme === 'light' || theme === 'dark' ? theme : systemDark.matches ? 'dark' : 'light';
    if (root.dataset.scheme !== scheme) root.dataset.scheme = scheme;
  };
  apply();
  systemDark.addEventListener('change', apply);
  new MutationObserver(apply).observe(root, { attributes: true, attributeFilter: ['data-theme'] });
})();
