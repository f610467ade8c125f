import { get, type RankedList, type Suggestion } from '../api';
import { ErrorText, Grid, Spinner, sourceLabels, useLoad } from '../ui';
import { PeopleList } from './profile';

export function ExploreScreen() {
  const leaders = useLoad(() => get<{ items: Suggestion[] }>('/api/v1/users/me/who-to-follow?limit=10'), []);
  const weekly = useLoad(() => get<RankedList>('/api/v1/explore/weekly-best?limit=18'), []);
  const segment = useLoad(() => get<RankedList>('/api/v1/explore/segment-best?limit=18'), []);
  const people = (leaders.data?.items ?? []).map(s => ({ id: s.userId, username: s.username, displayName: s.displayName, avatarUrl: s.avatarUrl, source: s.source }));
  return (
    <section aria-labelledby="explore-title">
      <h1 id="explore-title" class="screen-title">Explore</h1>
      <section aria-labelledby="wtf-title" class="who-to-follow">
        <h2 id="wtf-title">Style leaders to follow</h2>
        <ErrorText error={leaders.error} />
        {leaders.loading && !leaders.data ? <Spinner /> :
          <PeopleList people={people} empty="No suggestions yet — like a few posts first."
            reason={p => sourceLabels[(p as { source?: string }).source ?? ''] ?? null} />}
      </section>
      <section aria-labelledby="weekly-title">
        <h2 id="weekly-title">Best this week</h2>
        <ErrorText error={weekly.error} />
        <Grid posts={(weekly.data?.items ?? []).map(r => r.ootd)} empty="Nothing curated yet this week." />
      </section>
      <section aria-labelledby="segment-title">
        <h2 id="segment-title">Popular with people like you</h2>
        <ErrorText error={segment.error} />
        <Grid posts={(segment.data?.items ?? []).map(r => r.ootd)} empty="Nothing curated for your group yet." />
      </section>
    </section>
  );
}
