// The layer rule (docs/architecture.md): each layer of scripts/ imports only from itself and the layers below it.
const layers = [
  ['util', '^scripts/util/'],
  ['model', '^scripts/model/'],
  ['markdown', '^scripts/markdown/'],
  ['passes', '^scripts/passes/'],
  ['render', '^scripts/render/'],
  ['checks', '^scripts/checks/'],
  ['api', '^scripts/api/'],
  ['commands', '^scripts/commands/'],
  ['cli', '^scripts/[^/]+$'],
];

const upward = layers.slice(0, -1).map(([name, from], index) => ({
  name: `layer-${name}`,
  comment: `${name} is below ${layers
    .slice(index + 1)
    .map(([above]) => above)
    .join(', ')}: it must not import from them`,
  severity: 'error',
  from: { path: from },
  to: { path: layers.slice(index + 1).map(([, path]) => path) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'layer-unknown',
      comment: 'every module of scripts/ belongs to a layer folder (or is the CLI entry at the top)',
      severity: 'error',
      from: { path: '^scripts/', pathNot: layers.map(([, path]) => path) },
      to: {},
    },
    {
      name: 'no-dev-tools',
      comment: 'what ships never imports the development tools or the tests',
      severity: 'error',
      from: { path: '^scripts/' },
      to: { path: '^(tools|tests)/' },
    },
    {
      name: 'no-render-into-cache',
      comment: 'the cache reaches the renderers through the BuildCache in their context, not by import (issue 26)',
      severity: 'error',
      from: { path: '^scripts/render/' },
      to: { path: '^scripts/passes/cache/' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|lib)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
