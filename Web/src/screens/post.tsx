import { useEffect, useState } from 'preact/hooks';
import { upload, type Ootd } from '../api';
import { navigate } from '../router';
import { ErrorText, message } from '../ui';

export function PostScreen() {
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!file) { setPreview(null); return; }
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  function pick(e: Event) {
    const f = (e.currentTarget as HTMLInputElement).files?.[0] ?? null;
    setError(f && !f.type.startsWith('image/') ? 'Choose a photo (JPEG, PNG or WebP).' : null);
    setFile(f);
  }

  async function submit(e: Event) {
    e.preventDefault();
    if (!file) { setError('Take or choose a photo of your outfit first.'); return; }
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const form = new FormData();
    form.append('photo', file, file.name || 'outfit.jpg');
    form.append('description', String(f.get('description') ?? '').trim());
    form.append('hashtags', String(f.get('hashtags') ?? '').trim());
    setError(null); setProgress(0);
    try {
      const posted = await upload<Ootd>('/api/v1/ootds', form, setProgress);
      navigate(`/o/${posted.id}`);
    } catch (err) { setError(message(err)); setProgress(null); }
  }

  return (
    <section aria-labelledby="post-title" class="card">
      <h1 id="post-title" class="screen-title">Post your outfit</h1>
      <form onSubmit={submit}>
        <div class="pickers">
          <label class="button secondary">Take a photo
            <input class="visually-hidden" type="file" accept="image/*" capture="environment" onChange={pick} aria-label="Take a photo with the camera" />
          </label>
          <label class="button secondary">Choose a file
            <input class="visually-hidden" type="file" name="photo" accept="image/jpeg,image/png,image/webp" onChange={pick} aria-label="Choose a photo file" />
          </label>
        </div>
        {preview && <img class="preview" src={preview} alt="The photo you picked" />}
        <label>Description<textarea name="description" required maxLength={2000} rows={3} placeholder="What are you wearing today?" /></label>
        <label>Hashtags<input name="hashtags" placeholder="#ootd #streetstyle" autoCapitalize="none" /></label>
        {progress !== null && (
          <div class="progress">
            <progress max={1} value={progress} aria-label="Upload progress" />
            <span>{progress < 1 ? `Uploading ${Math.round(progress * 100)} %` : 'Uploaded — starting the analysis…'}</span>
          </div>
        )}
        <ErrorText error={error} />
        <button class="primary wide" type="submit" disabled={progress !== null}>Share</button>
      </form>
    </section>
  );
}
