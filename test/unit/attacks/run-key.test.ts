/**
 * The closed AttackId union, typed parameters per attack, and the run identity on the registered
 * descriptor: runKey (what run reuse and resume match on), runEps (the index and folder eps) and
 * the display name.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ATTACK_IDS, attackRegistry, getAttack, type AttackId, type AttackParams, type TargetMode } from '../../../src/attacks';

describe('AttackId', () => {
  it('is exactly the registry, in registry order, each descriptor under its own id', () => {
    expect(attackRegistry.map((a) => a.id)).toEqual([...ATTACK_IDS]);
    for (const id of ATTACK_IDS) expect(getAttack(id).id).toBe(id);
    // @ts-expect-error not an attack id
    const bad: AttackId = 'fast';
    expect(ATTACK_IDS).not.toContain(bad);
  });

  it('types each attack\'s parameters from its schema', () => {
    expectTypeOf<AttackParams<'fgsm'>>().toEqualTypeOf<{ eps: number; target: TargetMode }>();
    expectTypeOf<AttackParams<'eot-pgd'>>().toHaveProperty('distribution');
  });
});

describe('runKey', () => {
  const fgsm = getAttack('fgsm');

  it('is the same with or without defaults spelled out, and in any key order', () => {
    expect(fgsm.runKey({ eps: 16 })).toBe('fgsm {"eps":16,"target":"untargeted"}');
    expect(fgsm.runKey({ target: 'untargeted', eps: 16 })).toBe(fgsm.runKey({ eps: 16 }));
  });

  it('differs for other settings and other attacks', () => {
    expect(fgsm.runKey({ eps: 8 })).not.toBe(fgsm.runKey({ eps: 16 }));
    expect(fgsm.runKey({ eps: 16, target: 'least-likely' })).not.toBe(fgsm.runKey({ eps: 16 }));
    expect(getAttack('bim').runKey({ eps: 16 })).not.toBe(fgsm.runKey({ eps: 16 }));
  });

  it('refuses invalid parameters with the attack\'s one-line error', () => {
    expect(() => fgsm.runKey({ eps: 300 })).toThrow('fgsm: eps: must be at most 255');
  });
});

describe('runEps and displayName', () => {
  it('take the eps the run index and folder names use, and name the run once', () => {
    expect(getAttack('bim').runEps({ eps: 16 })).toBe(16);
    expect(getAttack('cw-l2').runEps({})).toBe(0);
    expect(getAttack('bim').displayName({ eps: 16 })).toBe('bim eps=16');
    expect(getAttack('cw-l2').displayName({})).toBe('cw-l2');
  });
});
