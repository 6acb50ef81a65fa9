// Loads the WebJar libraries only when a page needs them (graph, charts), keeping the first paint light.
// The versions below are filled in by Maven resource filtering from orchestrator-ui/pom.xml (one source).
const loaded = new Map();

function script(src) {
  if (!loaded.has(src)) {
    loaded.set(src, new Promise((ok, fail) => {
      const s = document.createElement('script');
      s.src = src;
      s.onload = ok;
      s.onerror = () => fail(new Error('Could not load ' + src));
      document.head.append(s);
    }));
  }
  return loaded.get(src);
}

export async function cytoscapeAndDagre() {
  await Promise.all([script('/webjars/cytoscape/${webjar.cytoscape.version}/dist/cytoscape.min.js'), script('/webjars/dagre/${webjar.dagre.version}/dist/dagre.min.js')]);
  return { cytoscape: window.cytoscape, dagre: window.dagre };
}

export async function chartJs() {
  await script('/webjars/chart.js/${webjar.chartjs.version}/dist/chart.umd.min.js');
  return window.Chart;
}
