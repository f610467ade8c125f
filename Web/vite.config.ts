import { defineConfig } from 'vite';

// The app is served by the API at "/" (Api/Hosting/WebAppHosting.cs); `npm run dev` proxies the API on :8080.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { target: 'es2022', outDir: 'dist', assetsDir: 'assets', sourcemap: false, reportCompressedSize: true },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
