import type { CascaderOption, CascaderProps } from 'element-plus';
import { api } from '../api/client';
import { useSession } from '../stores/session';

/**
 * Divisions level by level, from the caller's own jurisdiction down to the villages, for a cascader.
 * `anyLevel`: a township (or county) may be picked too, as list filters do; otherwise only a village.
 */
export function villageCascader(anyLevel: boolean): CascaderProps {
  const session = useSession();
  return {
    lazy: true,
    checkStrictly: anyLevel,
    emitPath: false,
    async lazyLoad(node, resolve) {
      const code = node.level === 0 ? session.current!.user.jurisdictionCode : String(node.value);
      const { data } = await api.GET('/api/v1/divisions/{code}', { params: { path: { code } } });
      resolve((data?.children ?? []).map((c): CascaderOption => ({ value: c.code, label: c.name, leaf: c.level === 'village' })));
    },
  };
}
