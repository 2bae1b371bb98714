import type {
  AttributeDataTypes,
  AttributeDefinitionInput,
  AttributeInputTypes,
  AttributeValueTypes,
} from './schema.ts';

/** An attribute definition with every default filled in (CONFIG_FILE `tenants[].attributeDefinitions`). */
export interface AttributeDefinition {
  /** 1-based position in the tenant's list: Kibo's attributeDefinitionId. */
  readonly id: number;
  /** `namespace~attributeCode`, compared without regard to case. */
  readonly attributeFQN: string;
  readonly namespace: string;
  readonly attributeCode: string;
  readonly adminName: string;
  readonly dataType: (typeof AttributeDataTypes)[number];
  readonly inputType: (typeof AttributeInputTypes)[number];
  readonly valueType: (typeof AttributeValueTypes)[number];
  readonly isMultiValued: boolean;
  readonly isRequired: boolean;
  readonly isReadOnly: boolean;
  readonly isVisible: boolean;
  readonly isActive: boolean;
  readonly displayGroup: string;
  readonly order: number;
  readonly content?: { readonly localeCode?: string; readonly value?: string };
  readonly validation: NonNullable<AttributeDefinitionInput['validation']>;
  readonly vocabularyValues: readonly {
    readonly value: string;
    readonly content?: { localeCode?: string; value?: string };
  }[];
}

const defaultInputType = { String: 'TextBox', Number: 'TextBox', Bool: 'YesNo', DateTime: 'Date' } as const;

/**
 * Fills in the defaults of a tenant's attribute definitions and checks what the schema cannot:
 * unique names, a regular expression that compiles, min ≤ max, a List with values to pick from.
 * @param fail reports the bad field (config/load.ts's fail, which throws)
 */
export function resolveAttributeDefinitions(
  list: readonly AttributeDefinitionInput[] | undefined,
  where: string,
  fail: (field: string, message: string) => never,
): AttributeDefinition[] {
  const seen = new Set<string>();
  return (list ?? []).map((d, i): AttributeDefinition => {
    const at = `${where}.attributeDefinitions[${i}]`;
    const namespace = d.namespace ?? 'tenant';
    const attributeFQN = `${namespace}~${d.attributeCode}`;
    if (seen.has(attributeFQN.toLowerCase())) fail(`${at}.attributeCode`, `duplicate attribute ${attributeFQN}`);
    seen.add(attributeFQN.toLowerCase());
    const v = d.validation ?? {};
    if (v.regularExpression !== undefined) {
      try {
        new RegExp(v.regularExpression, 'u');
      } catch {
        fail(`${at}.validation.regularExpression`, 'is not a valid regular expression');
      }
    }
    for (const k of ['minDateTime', 'maxDateTime'] as const)
      if (v[k] !== undefined && Number.isNaN(Date.parse(v[k]))) fail(`${at}.validation.${k}`, 'is not a date');
    const pairs: [keyof typeof v, keyof typeof v, (x: unknown) => number][] = [
      ['minStringLength', 'maxStringLength', Number],
      ['minNumericValue', 'maxNumericValue', Number],
      ['minDateTime', 'maxDateTime', (x) => Date.parse(String(x))],
    ];
    for (const [lo, hi, num] of pairs)
      if (v[lo] !== undefined && v[hi] !== undefined && num(v[lo]) > num(v[hi]))
        fail(`${at}.validation.${String(lo)}`, `exceeds ${String(hi)}`);
    const inputType = d.inputType ?? defaultInputType[d.dataType];
    const vocabularyValues = (d.vocabularyValues ?? []).map((x) => ({ ...x }));
    const valueType = d.valueType ?? (vocabularyValues.length ? 'Predefined' : 'ShopperEntered');
    if ((inputType === 'List' || valueType === 'Predefined') && vocabularyValues.length === 0)
      fail(`${at}.vocabularyValues`, 'a List or Predefined attribute needs values to choose from');
    return {
      id: i + 1,
      attributeFQN,
      namespace,
      attributeCode: d.attributeCode,
      adminName: d.adminName ?? d.attributeCode,
      dataType: d.dataType,
      inputType,
      valueType,
      isMultiValued: d.isMultiValued ?? false,
      isRequired: d.isRequired ?? false,
      isReadOnly: d.isReadOnly ?? false,
      isVisible: d.isVisible ?? true,
      isActive: d.isActive ?? true,
      displayGroup: d.displayGroup ?? 'General',
      order: d.order ?? i,
      ...(d.content ? { content: { ...d.content } } : {}),
      validation: { ...v },
      vocabularyValues,
    };
  });
}
