// The pause switch: operators can flip it; viewers see the state as text only.
import { patch, enc } from '../api.js';
import { h, toast } from '../dom.js';
import { can } from '../session.js';

export function pauseToggle(dag, onChange = () => {}) {
  if (!can('operator')) return h('span.small', dag.is_paused ? '⏸ paused' : '▶ active');
  const txt = h('span.small');
  const btn = h('button.toggle', { type: 'button', role: 'switch' }, h('span.knob', { 'aria-hidden': 'true' }), txt);
  const show = (paused) => {
    btn.setAttribute('aria-checked', String(paused));
    btn.setAttribute('aria-label', `${dag.dag_id} is ${paused ? 'paused' : 'active'}; press to ${paused ? 'resume' : 'pause'}`);
    txt.textContent = paused ? 'paused' : 'active';
  };
  show(dag.is_paused);
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      const d = await patch(`/dags/${enc(dag.dag_id)}`, { is_paused: !dag.is_paused });
      dag.is_paused = d.is_paused;
      show(d.is_paused);
      onChange(d);
    } catch (e) {
      toast(`Could not ${dag.is_paused ? 'resume' : 'pause'} ${dag.dag_id}: ${e.message}`, 'err');
    } finally {
      btn.disabled = false;
    }
  });
  return btn;
}
