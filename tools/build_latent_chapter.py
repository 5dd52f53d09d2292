"""Write chapters/en/03_latent_space.ipynb and chapters/zh/03_latent_space.ipynb
from one list of cells: code cells are shared, so the twins cannot drift apart;
markdown cells carry an English and a Chinese text.

    python tools/build_latent_chapter.py

The notebooks are written unexecuted; run tools/execute_chapters.py on them after.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import first_cell  # noqa: E402  (tools/first_cell.py: the Colab set-up cell)

ROOT = Path(__file__).resolve().parents[1]
NAME = "03_latent_space.ipynb"
IGNORE = ["nbval-ignore-output"]


def md(en: str, zh: str):
    return ("markdown", {"en": en.strip(), "zh": zh.strip()}, [])


def code(source: str, tags=()):
    return ("code", source.strip(), list(tags))


CELLS = [
    md("""
# Exploring the latent space

*[中文版](../zh/03_latent_space.ipynb)*

The generator of the previous chapter turns 100 random numbers into a face. This
chapter looks at those 100 numbers, the *latent space*, the way the DCGAN paper did
(Radford, Metz & Chintala, 2015, [arXiv:1511.06434](https://arxiv.org/abs/1511.06434)):

- **interpolation**: slide from one code to another, along a straight line or along
  the sphere where Gaussian codes live, and see why the sphere is right;
- **latent walks**: several slow walks side by side, the paper's figure 4;
- **an attribute classifier**: a small CNN that tells smiling faces, glasses and dark
  hair apart, trained on the embedded faces' known attributes and checked on faces it
  has never seen;
- **face arithmetic**: "dark hair with glasses − dark hair without glasses + light
  hair without glasses", with exemplars picked by the classifier, not by hand;
- **attribute directions**: a slider that puts glasses on a face, with the
  classifier's score at every step.

Every slider works live in Jupyter and, from the same precomputed pictures, in the
static web book.
""", """
# 探索隐空间

*[English](../en/03_latent_space.ipynb)*

上一章的生成器能把 100 个随机数变成一张脸。这一章我们来研究这 100 个数所在的空间，也就是*隐空间*，做法沿袭 DCGAN 论文（Radford、Metz 和 Chintala，2015，[arXiv:1511.06434](https://arxiv.org/abs/1511.06434)）：

- **插值**：从一个隐向量滑到另一个，既可以走直线，也可以沿着高斯隐向量所在的球面走，并弄清楚为什么球面才是对的；
- **隐空间漫步**：把几条缓慢的漫步路径并排展示，对应论文的图 4；
- **属性分类器**：一个小型 CNN，能分辨是否微笑、是否戴眼镜、是否深色头发。它用内置人脸数据自带的属性训练，并在从未见过的人脸上检验；
- **人脸算术**：“戴眼镜的深发人脸 − 不戴眼镜的深发人脸 + 不戴眼镜的浅发人脸”，其中的样例由分类器挑选，而不是人工挑选；
- **属性方向**：用一个滑块给人脸戴上眼镜，每一步都显示分类器给出的分数。

每个滑块在 Jupyter 中都可以实时交互；在静态网页版中，它们由同一批预先算好的图片驱动，照样能拖动。
"""),
    md("""
## Profile and device

As in every chapter, `GANBOOK_PROFILE` sets how much work is done: `quick` (seconds,
what the tests run; its generator only draws blobs), `default` (the embedded faces
on a CPU) or `full` (LFW, for a GPU).
""", """
## 配置与设备

和其他各章一样，`GANBOOK_PROFILE` 决定工作量：`quick`（几秒钟，测试时使用；它的生成器只能画出色块）、`default`（在 CPU 上使用内置人脸数据）或 `full`（LFW，需要 GPU）。
"""),
    code("""
# Which profile and device this run uses depends on your machine and settings.
import utils
from utils import attributes, faces, latent, latent_tools, plots, runs, training
from utils.session import start
from utils.show import show_source

profile, ctx = start()
""", IGNORE),
    code("""
import matplotlib.pyplot as plt
import numpy as np
"""),
    md("""
## The generator

We explore the generator trained in the DCGAN chapter. `runs.trained_networks`
rebuilds it and loads the finished run from the cache when the settings, data and
code are unchanged (the output says so); otherwise it trains it now, which takes
seconds in `quick` and about ten minutes in `default`.
""", """
## 生成器

我们要探索的是 DCGAN 一章训练好的生成器。`runs.trained_networks` 会重建网络；如果配置、数据和代码都没变，它就直接从缓存中载入那次训练的结果（输出会说明这一点），否则就当场训练：`quick` 配置只需几秒，`default` 配置大约十分钟。
"""),
    code("""
# Reused from the cache or trained now: the log and timings depend on the profile and run.
G, D, history = runs.trained_networks(profile, ctx)
""", IGNORE),
    md("""
Sixteen samples, numbered so we can refer to them:
""", """
先看十六个样本，编上号，方便后文引用：
"""),
    code("""
rng = np.random.default_rng(profile.seed + 3)
gallery_z = rng.standard_normal((16, profile.nz)).astype(np.float32)
gallery = training.sample(G, gallery_z, ctx)
plots.show_grid(gallery, ncols=8, scale=1.1, labels=[str(k) for k in range(16)])
"""),
    md("""
## Interpolation: a line or an arc?

To morph face 0 into face 1 we need a path of codes from `z0` to `z1`. The straight
line `(1 − t)·z0 + t·z1` (*lerp*) is the obvious choice, but G was trained on codes
drawn from a 100-dimensional standard normal, and such codes are never short: their
length is almost always close to √100 = 10.
""", """
## 插值：走直线还是走圆弧？

要把 0 号脸渐变成 1 号脸，需要一条从 `z0` 到 `z1` 的隐向量路径。直线 `(1 − t)·z0 + t·z1`（*lerp*）是最直接的选择。但 G 训练时见到的隐向量都取自 100 维标准正态分布，这样的向量从来不会很短：它们的长度几乎总是接近 √100 = 10。
"""),
    code("""
lengths = np.linalg.norm(np.random.default_rng(1).standard_normal((10_000, profile.nz)), axis=1)
print(f"10,000 Gaussian codes: |z| = {lengths.mean():.2f} ± {lengths.std():.2f}, "
      f"shortest {lengths.min():.2f}")
"""),
    md("""
Two such codes are nearly orthogonal, so the middle of the line between them has
length about 10/√2 ≈ 7: shorter than any of the ten thousand codes above. G has
never seen a code like that. Spherical interpolation (*slerp*) follows the great
circle instead and keeps the length:
""", """
两个这样的隐向量几乎正交，所以它们连线的中点长度约为 10/√2 ≈ 7，比上面一万个隐向量中最短的还要短。G 从没见过这样的隐向量。球面插值（*slerp*）则沿着大圆走，长度保持不变：
"""),
    code("""
show_source(latent_tools.path_norms)
"""),
    code("""
z0, z1 = gallery_z[0], gallery_z[1]
norms = latent_tools.path_norms(z0, z1, 21)
t = np.linspace(0, 1, 21)
plt.figure(figsize=(5, 2.6))
for how, values in norms.items():
    plt.plot(t, values, "o-", ms=3, label=how)
plt.axhline(np.sqrt(profile.nz), color="grey", ls=":", label="sqrt(nz)")
plt.xlabel("t"), plt.ylabel("|z|"), plt.legend()
plt.show()
print(f"at t = 0.5: lerp {norms['lerp'][10]:.2f}, slerp {norms['slerp'][10]:.2f}")
"""),
    md("""
Slide `t` below (it opens at t = 0.5): the left face follows the line, the right one
the arc. At both ends they agree; in the middle the lerp face is often paler and
blurrier, a "mean" face, because a short code gives G's layers weaker activations.
""", """
拖动下面的 `t`（初始位置是 t = 0.5）：左边的脸沿直线走，右边的沿圆弧走。两端完全一样；到了中间，lerp 的脸往往更淡、更模糊，像一张“平均脸”，因为较短的隐向量会让 G 各层的激活变弱。
"""),
    code("""
show_source(latent_tools.interpolation_slider)
"""),
    code("""
# A slider: its HTML carries random element ids, different in every run.
latent_tools.interpolation_slider(G, z0, z1, ctx, steps=15)
""", IGNORE),
    md("""
Choose the two faces yourself: a *seed* names a code (`codes_for_seeds`), and the
picture is redrawn whenever a seed or `t` changes. This needs a running kernel; the
web book shows the precomputed slider for seeds 1 and 2 instead. The callback is a
plain function, tested like any other:
""", """
也可以自己挑选两张脸：一个*种子*对应一个隐向量（`codes_for_seeds`），种子或 `t` 一变，图片就重新生成。这需要正在运行的内核；网页版则显示种子 1 和 2 预先算好的滑块。回调是一个普通函数，和其他函数一样有单元测试：
"""),
    code("""
show_source(latent_tools.seed_pair_picture)
"""),
    code("""
# A live widget (a static slider in the book): its HTML carries random element ids.
latent_tools.SeedInterpolation(G, ctx, seed0=1, seed1=2, nz=profile.nz)
""", IGNORE),
    md("""
## Latent walks

The paper's figure 4 shows several walks, one per row. If G had memorised its
training images, a walk would jump from one memorised face to the next; smooth
changes in every row (hair changing colour, skin darkening, glasses appearing) say that G
learned a continuous map. Six slerp walks between random codes:
""", """
## 隐空间漫步

论文的图 4 展示了好几条漫步路径，每行一条。如果 G 只是记住了训练图片，漫步时就会从一张记住的脸跳到另一张；而每一行都平滑变化（发色渐变、肤色变深、眼镜出现），说明 G 学到的是一个连续的映射。下面是六条在随机隐向量之间的 slerp 漫步：
"""),
    code("""
show_source(latent_tools.walk_grid)
"""),
    code("""
walk_rng = np.random.default_rng(profile.seed + 4)
starts, ends = walk_rng.standard_normal((2, 6, profile.nz)).astype(np.float32)
plots.show_grid(latent_tools.walk_grid(G, starts, ends, 10, ctx), ncols=10, scale=0.8)
"""),
    md("""
## An attribute classifier

Face arithmetic needs faces that show a concept, say "dark hair with glasses". The
paper's authors picked them by hand. Here a classifier picks them: the embedded
faces are drawn from known attributes, so we can train a small CNN on them and let it
label G's samples. Three yes/no labels:
""", """
## 属性分类器

人脸算术需要体现某个概念的人脸，比如“戴眼镜的深发人脸”。论文作者是手工挑选的。这里交给分类器来挑：内置人脸是按已知属性画出来的，所以可以用它们训练一个小型 CNN，再让它给 G 生成的样本打标签。一共三个“是/否”标签：
"""),
    code("""
show_source(attributes.labels)
"""),
    md("""
A smile is a mouth curving up by more than a third of its range; a barely curved
mouth counts as neutral, like a frown. The network is tiny: one strided convolution
that halves the picture, three convolution stages, and one output per label. Each
output goes through its own sigmoid (a face can smile *and* wear glasses), and the
loss is binary cross-entropy per label.
""", """
嘴角上扬超过其取值范围的三分之一才算“微笑”；嘴角几乎不弯的算中性，和皱眉一样归为“否”。网络非常小：一个带步幅的卷积先把图片缩小一半，然后是三段卷积，每个标签一个输出。每个输出各自经过 sigmoid（一张脸可以既微笑*又*戴眼镜），损失是逐个标签的二元交叉熵。
"""),
    code("""
show_source(attributes.build)
"""),
    md("""
It trains on faces drawn with one seed and is scored on faces from another, which it
has never seen. The trained weights are cached, so running the chapter again is
instant. In the `full` profile the generator draws LFW faces, but the classifier is
still trained on the embedded faces (reading LFW's attribute file is not implemented
yet): its calls on LFW-like faces are a rough guide at best.
""", """
它在用一个种子画出的人脸上训练，在用另一个种子画出、从未见过的人脸上评分。训练好的权重会被缓存，所以再次运行本章时立即可用。在 `full` 配置下，生成器画的是 LFW 人脸，但分类器仍然用内置人脸训练（读取 LFW 属性文件的功能尚未实现），因此它对 LFW 风格人脸的判断最多只能作粗略参考。
"""),
    code("""
# Trained now or reused from the cache; its size and accuracy depend on the profile.
classifier, report = attributes.trained_classifier(profile.name, ctx)
for name, acc in report["held_out_accuracy"].items():
    print(f"{name:>10}: {acc:.1%} right on {report['n_test']} held-out faces")
""", IGNORE),
    md("""
Eight more faces it has not seen, with the labels it gives (a label is shown when its
probability is above 0.5; the title counts wrong calls against the true attributes):
""", """
再看八张它没见过的人脸，以及它给出的标签（概率高于 0.5 的标签才显示；标题统计了与真实属性不符的判断个数）：
"""),
    code("""
test_faces, test_attrs = faces.make_faces(8, seed=303)
test_probs = attributes.predict(classifier, test_faces, ctx)
wrong = int(((test_probs > 0.5) != attributes.labels(test_attrs)).sum())
short = {"smiling": "smile", "glasses": "glasses", "dark_hair": "dark"}
named = [", ".join(short[n] for n, p in zip(attributes.LABELS, row) if p > 0.5) or "-" for row in test_probs]
plots.show_grid(test_faces, ncols=4, scale=1.6, labels=named,
                title=f"{wrong} wrong calls of {test_probs.size}")
"""),
    md("""
## Labelling generated faces

Now the classifier labels 2,000 of G's samples. How often each attribute shows up
says something about G too: in the embedded data 34% of faces smile, 30% wear
glasses and about 35% have visible dark hair. A share far below the data's means G
has not learned to draw that attribute (see the note after the numbers).
""", """
现在让分类器给 G 生成的 2,000 个样本打标签。各属性出现的频率也能反映 G 的情况：在内置数据中，34% 的人脸在笑，30% 戴眼镜，约 35% 有可见的深色头发。如果某个属性的比例远低于数据中的比例，说明 G 还没学会画它（见数字后面的说明）。
"""),
    code("""
codes = np.random.default_rng(profile.seed + 5).standard_normal((2000, profile.nz)).astype(np.float32)
samples = training.sample(G, codes, ctx)
probs = attributes.predict(classifier, samples, ctx)
"""),
    code("""
# The shares depend on the trained generator, so on the profile.
for k, name in enumerate(attributes.LABELS):
    print(f"{name:>10}: {(probs[:, k] > 0.5).mean():.0%} of generated faces")
""", IGNORE),
    md("""
**What the numbers say about G.** In the `default` run stored with this book, dark hair
comes out at about the data's rate and glasses at about two-thirds of it, but the
classifier calls hardly any sample smiling. That is G's limit, not the classifier's (98% right on held-out
drawings): a smile in these faces is a mouth line bending by one to four pixels, and
after ten minutes of CPU training G draws mouths as blurred dashes. So the rest of the
chapter works with what G does draw clearly: glasses and hair colour. With the `full`
profile, or more epochs, try the smile instead.
""", """
**这些数字说明了 G 的什么。** 在本书保存的 `default` 运行结果中，深色头发出现的比例与数据中差不多，眼镜大约是数据中的三分之二，但分类器几乎没有把任何样本判为微笑。这是 G 的局限，而不是分类器的问题（它在留出的人脸上有 98% 的准确率）：在这些人脸里，笑容只是嘴唇那条线弯曲一到四个像素，而 G 在 CPU 上训练十分钟后，画出的嘴还只是一道模糊的短线。所以本章接下来只使用 G 能清楚画出的属性：眼镜和发色。如果用 `full` 配置或训练更多轮，不妨换成笑容试试。
"""),
    md("""
## Face arithmetic

The paper's best-known figure: "man with glasses − man without glasses + woman
without glasses = woman with glasses". Arithmetic on single codes was unstable, so the
authors averaged the codes of three exemplars per concept. Our faces have no gender,
but the same question works with hair colour and glasses:

> dark hair, glasses − dark hair, no glasses + light hair, no glasses = ?

If the latent space has a "glasses" part that does not depend on the hair, the answer
should be a face with light hair and glasses. The exemplars of a concept are the three
samples the classifier is surest about, with the probability of each wanted label (p)
or unwanted label (1 − p) multiplied:
""", """
## 人脸算术

论文中最有名的一幅图是：“戴眼镜的男人 − 不戴眼镜的男人 + 不戴眼镜的女人 = 戴眼镜的女人”。单个隐向量上的算术并不稳定，所以作者对每个概念取三个样例的隐向量求平均。我们的人脸没有性别之分，但换成发色和眼镜，同样的问题依然成立：

> 戴眼镜的深发人脸 − 不戴眼镜的深发人脸 + 不戴眼镜的浅发人脸 = ？

如果隐空间里“眼镜”的部分与发色无关，答案就应该是一张戴眼镜的浅发人脸。每个概念的样例是分类器最有把握的三个样本：把想要的标签的概率 p 和不想要的标签的 1 − p 相乘作为把握程度：
"""),
    code("""
show_source(latent_tools.concept_score)
"""),
    code("""
show_source(latent_tools.mean_codes)
"""),
    code("""
concepts = [{"dark_hair": True, "glasses": True},
            {"dark_hair": True, "glasses": False},
            {"dark_hair": False, "glasses": False}]
picks, means = latent_tools.mean_codes(codes, probs, concepts, k=3)
result = latent_tools.arithmetic(*means)
around = latent_tools.jitter(result, 6, scale=0.25, seed=profile.seed)
result_images = training.sample(G, around, ctx)
"""),
    md("""
Each row: the three exemplars, then G's face for their average code (fourth picture).
The last row is the result of the arithmetic, followed by five codes near it (noise
with standard deviation 0.25 added, as in the paper), to check that the answer holds
for the region, not just for one point:
""", """
每一行依次是三个样例，以及它们平均隐向量对应的人脸（第四张）。最后一行是算术的结果，后面跟着它附近的五个隐向量（像论文那样加上标准差为 0.25 的噪声），用来检验答案对这一片区域都成立，而不只对某一个点成立：
"""),
    code("""
signs = ["", "- ", "+ "]
rows = {sign + latent_tools.concept_name(c): np.concatenate([samples[idx], training.sample(G, m[None], ctx)])
        for sign, c, idx, m in zip(signs, concepts, picks, means)}
rows["= result, then with noise"] = result_images
plots.show_rows(rows, scale=0.9)
"""),
    md("""
Does the result show the intended attributes? The classifier answers for the result
and its five neighbours:
""", """
结果真的具有预期的属性吗？让分类器来判断结果及其五个邻居：
"""),
    code("""
# The scores depend on the trained generator and classifier, so on the profile.
target = {"dark_hair": False, "glasses": True}
check = attributes.predict(classifier, result_images, ctx)
score = latent_tools.concept_score(check, target)
for name, row, s in zip(["result"] + [f"near {k}" for k in range(1, 6)], check, score):
    print(f"{name:>7}: P(dark hair) {row[2]:.2f}  P(glasses) {row[1]:.2f}  -> score {s:.2f}")
print(f"{(score > 0.5).sum()} of {len(score)} read as 'light hair, glasses'")
""", IGNORE),
    md("""
## Attribute directions

Arithmetic suggests that "glasses" is a *direction* in the latent space. The simplest
estimate: the mean code of the samples the classifier calls "glasses" minus the mean
code of the rest. (A barely trained generator, as in the `quick` profile, may draw
no glasses at all; then the top and bottom quarters by score stand in.)
""", """
## 属性方向

人脸算术暗示“眼镜”是隐空间中的一个*方向*。最简单的估计方法是：分类器判为戴眼镜的样本的平均隐向量，减去其余样本的平均隐向量。（训练得很少的生成器，比如 `quick` 配置下的，可能根本画不出眼镜；这时就改用得分最高和最低的各四分之一样本。）
"""),
    code("""
show_source(latent_tools.direction)
"""),
    md("""
We start from the average "light hair, no glasses" code above and move along the
glasses direction, from one step back to two steps forward. The caption shows the
classifier's glasses score at every step:
""", """
我们从上面“浅发、不戴眼镜”的平均隐向量出发，沿眼镜方向移动：从后退一步到前进两步。图注显示每一步分类器给出的眼镜得分：
"""),
    code("""
glasses = latent_tools.direction(codes, probs, "glasses")
amounts = np.linspace(-1.0, 2.0, 16)
steps_images, steps_scores = latent_tools.direction_frames(G, classifier, means[2], glasses, amounts, ctx,
                                                           label="glasses")
"""),
    code("""
# A slider: its HTML carries random element ids, different in every run.
latent_tools.direction_slider(steps_images, amounts, steps_scores, label="glasses")
""", IGNORE),
    md("""
The same walk as a strip, and the score against the step. With a well-trained G the
score rises from near 0 to near 1 while the rest of the face stays much the same:
""", """
同一段路径排成一行，再画出得分随步数的变化。对于训练充分的 G，得分会从接近 0 升到接近 1，而脸的其他部分基本保持不变：
"""),
    code("""
plots.show_grid(steps_images[::3], ncols=6, scale=1.2, labels=[f"{a:+.1f}" for a in amounts[::3]])
plt.figure(figsize=(5, 2.6))
plt.plot(amounts, steps_scores, "o-")
plt.axhline(0.5, color="grey", ls=":")
plt.ylim(0, 1), plt.xlabel("step along the glasses direction"), plt.ylabel("P(glasses)")
plt.show()
"""),
    md("""
## Summary

- Gaussian codes live near a sphere of radius √nz. Slerp stays on it; the middle of a
  lerp path is a code G never saw.
- Smooth latent walks show that G learned a continuous map, not a list of pictures.
- A small classifier trained on labelled real faces (here the embedded faces, above 90%
  right on held-out faces) labels generated samples, so exemplars and directions are
  found automatically.
- Averaged exemplar codes support arithmetic ("dark hair, glasses − dark hair, no
  glasses + light hair, no glasses"), and the difference of two groups' mean codes is a direction
  that changes one attribute.

## Exercises

1. Compute the dark-hair direction with `latent_tools.direction(codes, probs, "dark_hair")`
   and make a slider for it with `latent_tools.direction_frames(..., label="dark_hair")`.
   Do the glasses stay as the hair darkens?
2. Try the arithmetic with single exemplars (`k=1`) instead of three. Is the result
   less reliable, as the paper found?
3. Start the glasses walk from several different codes. Is one step the same size of
   change everywhere?
4. Measure how different the glasses and dark-hair directions are: the cosine of the
   angle between them. What would you expect if the two attributes were independent?
5. Train the DCGAN for more epochs (or in the `full` profile) and count the smiling
   samples again. When does the smile direction start to work?
""", """
## 小结

- 高斯隐向量分布在半径为 √nz 的球面附近。slerp 始终留在球面上；lerp 路径的中段则是 G 从未见过的隐向量。
- 平滑的隐空间漫步说明 G 学到的是连续的映射，而不是一张图片清单。
- 用带标签的真实人脸（这里是内置人脸，在留出的人脸上准确率超过 90%）训练的小分类器可以给生成样本打标签，于是样例和方向都能自动找出。
- 对样例的隐向量取平均后就能做算术（“戴眼镜的深发人脸 − 不戴眼镜的深发人脸 + 不戴眼镜的浅发人脸”）；两组样本平均隐向量之差就是一个只改变某一属性的方向。

## 练习

1. 用 `latent_tools.direction(codes, probs, "dark_hair")` 求出深色头发的方向，再用 `latent_tools.direction_frames(..., label="dark_hair")` 为它做一个滑块。头发变深时，眼镜还在吗？
2. 把每个概念的样例从三个改成一个（`k=1`）再做算术。结果是否像论文所说的那样更不可靠？
3. 从几个不同的隐向量出发沿眼镜方向移动。同样的一步，在各处引起的变化一样大吗？
4. 计算眼镜方向与深发方向夹角的余弦，衡量它们有多不同。如果两个属性互相独立，你预期会得到什么？
5. 把 DCGAN 多训练几轮（或者使用 `full` 配置），再数一数被判为微笑的样本。微笑方向从什么时候开始起作用？
"""),
]


def notebook(lang: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    for k, (kind, content, tags) in enumerate(CELLS):
        cell_id = f"latent-{k:02d}"  # stable ids: rebuilding gives the same file
        if kind == "markdown":
            cell = nbformat.v4.new_markdown_cell(content[lang], id=cell_id)
        else:
            cell = nbformat.v4.new_code_cell(content, id=cell_id)
            if tags:
                cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    first_cell.put_first_cell(nb)  # the Colab set-up cell, as in every chapter
    nbformat.validate(nb)
    return nb


def main() -> None:
    for lang in ("en", "zh"):
        path = ROOT / "chapters" / lang / NAME
        nbformat.write(notebook(lang), path)
        print("wrote", path.relative_to(ROOT))


if __name__ == "__main__":
    main()
