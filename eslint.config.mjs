// Lint of the map page's plain ES modules (app/static/js): `make jscheck`, zero warnings.
import js from '@eslint/js';
import globals from 'globals';

// markup reaches the page only through app/static/js/html.js (`html` escapes every value)
const RAW_HTML = 'builds markup from raw strings: use html`…` and renderHtml (html.js)';

export default [
  js.configs.recommended,
  {
    files: ['app/static/js/**/*.js'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: globals.browser,
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      eqeqeq: 'error',
      'no-var': 'error',
      'prefer-const': 'error',
      'no-shadow': 'error',
      'no-unused-vars': ['error', { args: 'after-used', caughtErrors: 'all' }],
      'no-implicit-coercion': 'error',
      'no-param-reassign': 'error',
      'no-alert': 'error',
      'no-console': 'error',
      'no-eval': 'error',
      'no-new-func': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "AssignmentExpression > MemberExpression.left[property.name='innerHTML']",
          message: `innerHTML ${RAW_HTML}`,
        },
        {
          selector: "AssignmentExpression > MemberExpression.left[property.name='outerHTML']",
          message: `outerHTML ${RAW_HTML}`,
        },
        {
          selector: "CallExpression[callee.property.name='insertAdjacentHTML']",
          message: `insertAdjacentHTML ${RAW_HTML}`,
        },
        {
          selector: "CallExpression[callee.property.name='setHTML']",
          message: `setHTML ${RAW_HTML}; a popup takes setDOMContent(fragment(…))`,
        },
        {
          selector: "CallExpression[callee.object.name='document'][callee.property.name=/^write/]",
          message: `document.write ${RAW_HTML}`,
        },
      ],
    },
  },
];
