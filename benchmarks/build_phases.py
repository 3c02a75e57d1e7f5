"""Where a full `obsgen build` spends its CPU, phase by phase, without a profiler (issue #22, target 3).

    OBSGEN_CACHE_DIR=/tmp/cache .venv/bin/python benchmarks/build_phases.py PROJECT   # a project made by compile.py --keep
    .venv/bin/python benchmarks/build_phases.py PROJECT --no-cache

Runs what `obsgen build` runs (staging tree, compile with the render cache, promtool's check, the
swap) in this process and prints the CPU time (time.process_time) of each phase, measured by
wrapping the functions that make it: cProfile's overhead distorts Jinja-heavy code several times.
The render cache is OBSGEN_CACHE_DIR or the user's (render_cache.default_directory): run twice to see
a cold and a warm cache. It writes PROJECT/generated/ like `obsgen build`. Prints figures, asserts none.
"""
import functools
import os
import sys
import time
from pathlib import Path

t0 = time.process_time()
from obsgen import compiler, runbooks
from obsgen.runbooks import page, site, guidance, facts
from obsgen.language import load
from obsgen import render_cache, generated_tree, generated_manifest
from obsgen.language import jsonschema
t_import = time.process_time() - t0
spent = {}
def timed(owner, name, label):
    fn = getattr(owner, name)
    @functools.wraps(fn)
    def wrapper(*a, **k):
        s = time.process_time()
        try:
            return fn(*a, **k)
        finally:
            spent[label] = spent.get(label, 0.0) + time.process_time() - s
    setattr(owner, name, wrapper)
timed(compiler, "load_spec", "load_spec (read + parse + validate)")
timed(compiler, "_compile_env", "resolve + targets (1 env)")
timed(compiler, "check_shared_names", "check_shared_names")
timed(facts, "collect", "runbook facts")  # runbooks.render imports it when it runs
timed(guidance.GuidanceSource, "guidance", "runbooks_src guidance (sandboxed Jinja)")
timed(site, "monitor_files", "a monitor's Markdown and site pages (cache: one entry for both)")
timed(page, "render", "  of which the Markdown page template (a miss, or no cache)")
timed(site, "monitor_page", "  of which the site page (a miss, or no cache)")
timed(jsonschema, "schema_text", "schema file (cache)")  # compile_project imports it for pages
timed(generated_tree.Staging, "add", "staging: compare + link/write per file")
timed(generated_tree.Staging, "commit", "staging: carry over + swap")
timed(generated_tree.Staging, "_clean_up", "staging: delete the old tree")
timed(generated_manifest, "_read", "manifest: read")
timed(generated_manifest.Manifest, "save", "manifest: write")
root = Path(sys.argv[1])
use_cache = "--no-cache" not in sys.argv[2:]  # --no-cache: as `obsgen build --no-cache`
store = render_cache.RenderCache(render_cache.default_directory(os.environ)) if use_cache else None
s = time.process_time()
# what the last build knew of generated/ (generated_manifest.py): goes with the cache, as in `obsgen build`
manifest = generated_manifest.Manifest(generated_manifest.location(store.directory, root / "generated"),
                                       root / "generated") if store else None
with generated_tree.Staging(root, manifest) as staging:
    build = compiler.compile_project(root, sink=staging.add, store=store)
    compiler.check_rules(build)
    compiler.write(root, build, staging=staging)
total = time.process_time() - s
print(f"imports {t_import:.3f} s; build {total:.3f} s; " +
      (f"cache hits {store.hits} misses {store.misses}" if store else "no cache") +
      (f"; files known by the manifest {manifest.known}" if manifest else ""))
for label, sec in sorted(spent.items(), key=lambda x: -x[1]):
    print(f"  {sec:6.3f} s  {label}")
