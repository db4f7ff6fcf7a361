// Builds the explorer and GraphiQL into dist/, which the Go package web
// embeds. Run through web/build (npm ci first); the output is committed so
// that a plain `go build` serves a working explorer, and dev/test checks it
// is what these sources build to.
import * as esbuild from "esbuild";
import { cpSync, mkdirSync, rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist", { recursive: true });

await esbuild.build({
  entryPoints: {
    explorer: "src/explorer/main.ts",
    graphiql: "src/graphiql/main.tsx",
  },
  outdir: "dist/assets",
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2020"],
  legalComments: "linked",
  loader: { ".css": "css" },
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
});

for (const page of ["index.html", "graphiql.html"]) {
  cpSync(`src/${page}`, `dist/${page}`);
}
cpSync("src/favicon.svg", "dist/assets/favicon.svg");
