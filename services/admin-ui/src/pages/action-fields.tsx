import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Button, Form, Input, Select, Space } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { api } from '../api/client';
import type { DirectoryPerson, LeadSummary, Page, Role } from '../api/types';
import { formatTime } from '../components/tags';
import { useI18n } from '../i18n/i18n';
import type { FieldSpec } from './action-forms';
import { useCaseFile } from './case-file';

/** Inputs of action forms that choose from live data: a measure of the lead's case, a person, the investigators. */

function useDirectory(roles: readonly Role[] = []) {
  const role = [...roles].sort().join(',');
  return useQuery({
    queryKey: ['directory', role],
    queryFn: () => api<{ items: DirectoryPerson[] }>(`/api/v1/directory?role=${encodeURIComponent(role)}`),
    enabled: roles.length > 0,
    staleTime: 60_000,
  });
}

const personLabel = (p: DirectoryPerson) => [p.name, p.unit ?? p.institution].filter(Boolean).join(' · ');

/** The measure, task or report of the lead's case the action applies to, shown by what it is (not by its id). */
export function CaseItemSelect({ leadId, field, ...rest }: { leadId: string; field: FieldSpec }) {
  const { t, tx, lang } = useI18n();
  const file = useCaseFile(leadId, true);
  const c = file.data;
  const pick = field.caseItem!;
  const options = !c
    ? []
    : pick.list === 'measures'
      ? c.measures
          .filter(pick.applies)
          .map((m) => ({ value: m.id, label: `${tx('measure', m.measureType)}：${m.description}` }))
      : pick.list === 'tasks'
        ? c.tasks.filter(pick.applies).map((x) => ({ value: x.id, label: `${tx('task', x.actionType)}：${x.summary}` }))
        : c.reports
            .filter(pick.applies)
            // Two reports to one system read apart by when they went (or that they have not yet).
            .map((r) => ({
              value: r.id,
              label: `${r.to ?? r.system}：${tx('reportPurpose', r.purpose)}（${r.sentAt ? formatTime(r.sentAt, lang) : t('case.report.notSent')}）`,
            }));
  return <Select {...rest} loading={file.isLoading} notFoundContent={t('form.caseItem.none')} options={options} />;
}

export function PersonSelect({ field, ...rest }: { field: FieldSpec }) {
  const people = useDirectory(field.roles);
  return (
    <Select
      {...rest}
      showSearch
      optionFilterProp="label"
      loading={people.isLoading}
      options={(people.data?.items ?? []).map((p) => ({ value: p.id, label: personLabel(p) }))}
    />
  );
}

/** Two or more investigators, each a person and the number of their enforcement ID (条例第21条). */
export function InvestigatorsField({ field }: { field: FieldSpec }) {
  const { t } = useI18n();
  const people = useDirectory(field.roles);
  // The label is the name alone: it is what the command records as the investigator's name.
  const options = (people.data?.items ?? []).map((p) => ({ value: p.id, label: p.name }));
  return (
    <Form.List
      name={field.name}
      initialValue={[{}, {}]}
      rules={[
        {
          validator: async (_, rows: unknown[] | undefined) => {
            if (!rows || rows.length < 2) throw new Error(t(field.required ?? 'form.investigators.required'));
          },
        },
      ]}
    >
      {(rows, { add, remove }, { errors }) => (
        <Form.Item label={t(field.label)} required>
          {rows.map((row) => (
            <Space key={row.key} align="baseline" style={{ display: 'flex' }} data-testid="investigator-row">
              <Form.Item
                name={[row.name, 'person']}
                rules={[{ required: true, message: t('form.person.required') }]}
                style={{ minWidth: 200 }}
              >
                <Select
                  labelInValue
                  showSearch
                  optionFilterProp="label"
                  placeholder={t('form.investigator.person')}
                  loading={people.isLoading}
                  options={options}
                />
              </Form.Item>
              <Form.Item
                name={[row.name, 'badgeNo']}
                rules={[{ required: true, whitespace: true, message: t('form.investigator.badge') }]}
              >
                <Input placeholder={t('form.investigator.badge')} />
              </Form.Item>
              {rows.length > 2 && <MinusCircleOutlined onClick={() => remove(row.name)} />}
            </Space>
          ))}
          <Button type="dashed" onClick={() => add({})} icon={<PlusOutlined />}>
            {t('form.investigator.add')}
          </Button>
          <Form.ErrorList errors={errors} />
        </Form.Item>
      )}
    </Form.List>
  );
}

/**
 * Another lead with a disposal case, found by what people know of it (its reference such as TH-20261129-000001, its
 * title, a subject's name): the value is its id.
 */
export function LeadSelect({ exclude, ...rest }: { exclude: string }) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const found = useQuery({
    queryKey: ['lead-pick', q],
    queryFn: () =>
      api<Page<LeadSummary>>(
        `/api/v1/leads?stage=escalation&pageSize=20&sort=-updatedAt${q ? `&q=${encodeURIComponent(q)}` : ''}`,
      ),
    staleTime: 10_000,
  });
  return (
    <Select
      {...rest}
      showSearch
      filterOption={false}
      onSearch={setQ}
      loading={found.isFetching}
      placeholder={t('form.intoLeadId.search')}
      notFoundContent={t('list.empty')}
      options={(found.data?.items ?? [])
        .filter((l) => l.id !== exclude)
        .map((l) => ({ value: l.id, label: `${l.reference ?? l.id.slice(0, 8)} ${l.title ?? ''}`.trim() }))}
    />
  );
}
