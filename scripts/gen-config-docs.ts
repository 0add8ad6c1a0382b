// Writes docs/configuration.md from the settings table (npm run docs:config).
import { writeFileSync } from 'node:fs';
import { renderConfigDocs } from '../src/config/render-docs.js';

const target = new URL('../docs/configuration.md', import.meta.url);
writeFileSync(target, renderConfigDocs());
console.log(`wrote ${target.pathname}`);
