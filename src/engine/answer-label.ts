import type { View } from './types';

/** What an answered question shows once answered ("You answered: …"), for every channel alike. */
export function answerLabel(view: View, value: string | string[]): string {
  switch (view.kind) {
    case 'question':
    case 'risk-level': {
      const v = Array.isArray(value) ? value.join(',') : value;
      return view.options.find((o) => o.value === v)?.label ?? v;
    }
    case 'checklist': {
      const ids = Array.isArray(value) ? value : value.split(',').filter(Boolean);
      const items = view.groups.flatMap((g) => g.items).filter((i) => ids.includes(i.id));
      return items.length === 0 ? 'None of these' : `Ticked: ${items.map((i) => i.n).join(', ')}`;
    }
    case 'case-reference': {
      const v = (Array.isArray(value) ? value.join('') : value).trim();
      return v === '' || v.toLowerCase() === 'skip' ? 'No case reference' : `Case reference: ${v}`;
    }
    case 'actions':
      return view.continueLabel;
    case 'outcome':
      return 'Done';
  }
}
