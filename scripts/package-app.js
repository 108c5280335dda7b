#!/usr/bin/env node
'use strict';
// npm run app:package [-- OUT.zip]: writes the Rocket.Chat App package
// (default dist/livechat-calls-app.zip) for Administration > Apps > Upload App.

const path = require('path');
const { buildAppZip } = require('../js/app/package/build-app-zip');

const out = process.argv[2] || path.join(__dirname, '..', 'dist', 'livechat-calls-app.zip');
const { path: written, files, info } = buildAppZip({ out });
console.log(`${info.name} ${info.version}: ${written} (${files.length} files)`);
