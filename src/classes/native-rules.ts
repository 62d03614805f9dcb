// Turns resolved service classes into the rules the native classifier takes
// (native/http/request_classifier.h). The native side classifies when the
// request head is complete and writes the class index into the request record;
// what it cannot decide (header regex, methods outside its enum, repeated
// header fields) comes as CLASS_IN_JS and the TypeScript classifier decides.
import { METHOD_NAMES } from '../bridge/layout.js';
import type { NativeClassRule } from '../native.js';
import type { ResolvedClass } from './resolve.js';

export function nativeClassRules(classes: readonly ResolvedClass[]): { classRules: NativeClassRule[]; defaultClass: number } {
  const rules = classes.slice(0, -1).map((c): NativeClassRule => {
    const m = c.match;
    const rule: NativeClassRule = { methods: [], methodOther: false, jsOnly: false };
    if (m.method !== undefined) {
      for (const name of typeof m.method === 'string' ? [m.method] : m.method) {
        const code = (METHOD_NAMES as readonly string[]).indexOf(name.toUpperCase());
        if (code >= 0) rule.methods.push(code);
        else rule.methodOther = true;
      }
    }
    if (m.pathPrefix !== undefined) rule.pathPrefix = m.pathPrefix;
    if (m.host !== undefined) rule.host = m.host.toLowerCase();
    if (m.header !== undefined) {
      rule.headerName = m.header.name.toLowerCase();
      if (m.header.regex !== undefined) rule.jsOnly = true;
      else rule.headerValue = m.header.value ?? '';
    }
    if (rule.methodOther) rule.jsOnly = true;
    return rule;
  });
  return { classRules: rules, defaultClass: classes.length - 1 };
}
