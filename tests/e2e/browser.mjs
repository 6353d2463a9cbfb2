// Debian's chromium driven by playwright-core (never a downloaded browser).
import { chromium } from 'playwright-core';

const BASE_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/** `webgpu: true` exposes SwiftShader's WebGPU adapter; without it there is none (the CPU path). */
export async function launch({ webgpu, extraArgs = [] }) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [...BASE_ARGS, ...(webgpu ? ['--enable-unsafe-webgpu'] : []), ...extraArgs],
  });
}
