#!/usr/bin/python3
"""Builds benign pickles of widely used data libraries, made by the real libraries:

  tests/fixtures/models/libraries/<group>/…  + tests/cases/libraries.tsv  (development set)
  tests/fixtures/models/heldout/<library>/…  + tests/cases/heldout.tsv    (held-out set)

The development set holds the objects the issue names (a fitted statsmodels result, a networkx
graph, nltk trees and tokenizers, gensim models, xarray, astropy, shapely, pint, sympy, pytz,
pandas frames of every dtype, numpy ufuncs, torchvision detection models saved whole …); its
expected verdicts are written here, with the reason when a file needs review by design. The
held-out set uses other classes and constructors of the same libraries and was never looked at
while the benign rules were generated (scripts/kb/gen_benign.py derives them from the
libraries, not from files): scripts/kb/coverage.py scans it, records each verdict in
heldout.tsv and the per-library table in docs/rules.md. Neither set may ever scan `unsafe`.

Run with Debian's interpreter (the libraries are Debian packages, see scripts/setup.sh with
MODELVET_SETUP_KB_TOOLS=1):  /usr/bin/python3 scripts/gen_library_fixtures.py
Deterministic: fixed seeds, PYTHONHASHSEED=0, torch zips normalised as gen_fixtures.py does;
torch models keep their classes but their tensors are shrunk to one element so that every
file stays under 200 KB. Each file is loaded back once with the real library.
"""

import io
import os
import pathlib
import pickle
import shutil
import sys
import warnings

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
OUT = REPO / "tests" / "fixtures" / "models"
DEV_DIR = "libraries"
HELD_DIR = "heldout"
DEV_CASES = REPO / "tests" / "cases" / "libraries.tsv"
HELD_CASES = REPO / "tests" / "cases" / "heldout.tsv"
MAX_SIZE = 200 * 1024

warnings.filterwarnings("ignore")


def seed_all():
    import random

    import numpy as np
    random.seed(0)
    np.random.seed(0)
    try:
        import torch
        torch.manual_seed(0)
    except ImportError:
        pass


# --------------------------------------------------------------------------- serialisers
def reproducible(obj):
    """Drops what a library records about the run itself, so that the bytes do not change
    between runs: gensim's lifecycle_events (time, Python version, platform) and training
    time, pulp's element ids (id() of the object)."""
    seen = set()
    stack = [obj]
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, (list, tuple)):
            stack.extend(o)
            continue
        d = getattr(o, "__dict__", None)
        if isinstance(d, dict):
            if "lifecycle_events" in d:
                d["lifecycle_events"] = []
            if "total_train_time" in d:
                d["total_train_time"] = 0.0
            if type(o).__module__.startswith("pulp") and "hash" in d:
                d["hash"] = 0
            stack.extend(v for v in d.values() if hasattr(v, "__dict__"))
    return obj


def pk(obj, protocol=4):
    return pickle.dumps(reproducible(obj), protocol=protocol)


def torch_whole(module):
    """torch.save of a whole module, every tensor a one-element view of one shared storage
    per dtype (classes and module tree unchanged, so the pickle is what torch.save writes for
    the real model; only the weights are gone)."""
    import torch
    from gen_fixtures import torch_bytes
    shared = {}

    def tiny(dtype):
        if dtype not in shared:
            shared[dtype] = torch.zeros(1, dtype=dtype)
        return shared[dtype][0:1]
    with torch.no_grad():
        for m in module.modules():
            for name, p in list(m._parameters.items()):
                if p is not None:
                    m._parameters[name] = torch.nn.Parameter(tiny(p.dtype),
                                                             requires_grad=p.requires_grad)
            for name, b in list(m._buffers.items()):
                if b is not None:
                    m._buffers[name] = tiny(b.dtype)
    return torch_bytes(module)


def joblib_bytes(obj):
    import joblib
    bio = io.BytesIO()
    joblib.dump(obj, bio)
    return bio.getvalue()


# --------------------------------------------------------------------------- objects
def small_xy(n=30):
    import numpy as np
    rng = np.random.RandomState(0)
    X = rng.rand(n, 2)
    y = X @ [1.0, 2.0] + 0.1 * rng.rand(n)
    return X, y


def dev_objects():
    """(group, file name, serialiser, builder, expected verdict, why) — the development set."""
    import numpy as np
    S, R = "safe", "needs-review"
    rows = []

    def add(group, name, ser, build, verdict, why):
        rows.append((group, name, ser, build, verdict, why))

    # ---- statistics
    def sm_ols():
        import statsmodels.api as sm
        X, y = small_xy()
        return sm.OLS(y, sm.add_constant(X)).fit()

    def sm_glm():
        import statsmodels.api as sm
        X, y = small_xy()
        return sm.GLM(np.abs(y) + 1, sm.add_constant(X), family=sm.families.Gamma()).fit()
    why_md = ("statsmodels ModelData.__setstate__ re-evaluates a pickled formula through "
              "patsy (Python eval of formula terms): code carried by design, so results need "
              "review")
    add("stats", "statsmodels-ols-results.pkl", pk, sm_ols, R, why_md)
    add("stats", "statsmodels-glm-gamma-results.pkl", pk, sm_glm, R, why_md)

    # ---- graphs
    def nx_graph():
        import networkx as nx
        g = nx.karate_club_graph()
        nx.set_edge_attributes(g, 1.5, "weight")
        return g

    def nx_digraph():
        import networkx as nx
        return nx.DiGraph([(1, 2, {"w": 1}), (2, 3, {"w": 2})], name="chain")

    def nx_multi():
        import networkx as nx
        g = nx.MultiGraph()
        g.add_edges_from([(1, 2), (1, 2), (2, 3)])
        return g
    add("graphs", "networkx-graph.pkl", pk, nx_graph, S, "networkx Graph with edge weights")
    add("graphs", "networkx-digraph-p2.pkl", lambda o: pk(o, 2), nx_digraph, S,
        "networkx DiGraph, pickle protocol 2")
    add("graphs", "networkx-multigraph.pkl", pk, nx_multi, S, "networkx MultiGraph")

    # ---- language
    def nltk_tree():
        from nltk.tree import Tree
        return Tree.fromstring("(S (NP (DT the) (NN cat)) (VP (VBD sat)))")

    def nltk_treebank():
        from nltk.tokenize import TreebankWordTokenizer
        return TreebankWordTokenizer()

    def nltk_punkt():
        from nltk.tokenize.punkt import PunktSentenceTokenizer
        return PunktSentenceTokenizer("Mr. Smith went to Washington. He arrived at 3 p.m. "
                                      "Dr. Brown was there. It was late.")

    def gensim_dict():
        from gensim.corpora import Dictionary
        return Dictionary([["human", "computer"], ["graph", "trees", "computer"]])

    def gensim_w2v():
        from gensim.models import Word2Vec
        sents = [["a", "b", "c"], ["b", "c", "d"], ["c", "d", "e"]] * 4
        return Word2Vec(sents, vector_size=4, min_count=1, workers=1, seed=1, epochs=2)

    def gensim_lda():
        from gensim.corpora import Dictionary
        from gensim.models import LdaModel
        texts = [["a", "b", "c"], ["b", "c", "d"], ["d", "e"]] * 3
        d = Dictionary(texts)
        return LdaModel([d.doc2bow(t) for t in texts], num_topics=2, id2word=d,
                        random_state=1, passes=1)
    add("nlp", "nltk-tree.pkl", pk, nltk_tree, S, "nltk Tree (a list subclass)")
    add("nlp", "nltk-treebank-tokenizer.pkl", pk, nltk_treebank, S,
        "nltk TreebankWordTokenizer with its compiled regexes")
    add("nlp", "nltk-punkt-tokenizer.pkl", pk, nltk_punkt, S,
        "nltk PunktSentenceTokenizer trained on a few sentences")
    add("nlp", "gensim-dictionary.pkl", pk, gensim_dict, S, "gensim corpora Dictionary")
    add("nlp", "gensim-word2vec.pkl", pk, gensim_w2v, S,
        "gensim Word2Vec (rebuilt without __init__: its __init__ can read a corpus file)")
    add("nlp", "gensim-lda.pkl", pk, gensim_lda, S,
        "gensim LdaModel (rebuilt without __init__: its __init__ can connect to Pyro)")

    # ---- frames and labelled arrays
    def pd_frame():
        import pandas as pd
        return pd.DataFrame({
            "i": np.arange(3, dtype="int64"), "f": [0.5, 1.5, np.nan], "s": ["a", "b", "c"],
            "cat": pd.Categorical(["x", "y", "x"]),
            "ts": pd.date_range("2021-01-01", periods=3, tz="Europe/Paris"),
            "per": pd.period_range("2021-01", periods=3, freq="M"),
            "iv": pd.IntervalIndex.from_breaks([0, 1, 2, 3]),
            "sp": pd.arrays.SparseArray([0, 0, 1]),
            "td": pd.to_timedelta([1, 2, 3], unit="s"),
            "b": pd.array([True, None, False], dtype="boolean"),
            "n": pd.array([1, None, 3], dtype="Int64")})

    def pd_multi():
        import pandas as pd
        idx = pd.MultiIndex.from_product([["a", "b"], [1, 2]], names=["k", "n"])
        return pd.Series(np.arange(4.0), index=idx, name="v")

    def xr_da():
        import xarray as xr
        return xr.DataArray(np.arange(6.0).reshape(2, 3), dims=("x", "y"),
                            coords={"x": [10, 20]}, attrs={"units": "m"}, name="a")

    def xr_ds():
        import pandas as pd
        import xarray as xr
        return xr.Dataset({"t": ("time", np.arange(3.0))},
                          coords={"time": pd.date_range("2020-01-01", periods=3)})

    def pytz_zones():
        import pytz
        return [pytz.timezone("Europe/Paris"), pytz.utc, pytz.timezone("America/New_York")]
    add("frames", "pandas-dtypes.pkl", pk, pd_frame, S,
        "pandas DataFrame: int, float, str, categorical, tz datetime, period, interval, "
        "sparse, timedelta, nullable boolean and integer columns")
    add("frames", "pandas-multiindex-series-p2.pkl", lambda o: pk(o, 2), pd_multi, S,
        "pandas Series on a MultiIndex, pickle protocol 2")
    add("frames", "xarray-dataarray.pkl", pk, xr_da, S, "xarray DataArray with coords and attrs")
    add("frames", "xarray-dataset.pkl", pk, xr_ds, S, "xarray Dataset with a datetime index")
    add("frames", "pytz-timezones.pkl", pk, pytz_zones, S, "pytz zones and UTC (pytz._p, _UTC)")

    # ---- numeric
    def ufuncs():
        import scipy.special
        return [np.add, np.log1p, np.sqrt, np.maximum, scipy.special.expit]

    def pint_q():
        import pint
        return pint.UnitRegistry().Quantity(3.5, "m/s")
    add("numeric", "numpy-ufuncs.pkl", pk, ufuncs, S,
        "numpy and scipy ufuncs pickled by name (numpy.core._ufunc_reconstruct)")
    add("numeric", "numpy-ufuncs-p2.pkl", lambda o: pk(o, 2), ufuncs, S,
        "the same ufuncs, pickle protocol 2")
    add("numeric", "pint-quantity.pkl", pk, pint_q, S, "pint Quantity (pint._unpickle_quantity)")

    # ---- images and vision
    def sk_tf():
        import skimage.transform as st
        return st.AffineTransform(scale=(2, 2), rotation=0.5)

    def fasterrcnn():
        from torchvision.models.detection import fasterrcnn_mobilenet_v3_large_320_fpn
        return fasterrcnn_mobilenet_v3_large_320_fpn(weights=None, weights_backbone=None,
                                                     num_classes=3).eval()

    def maskrcnn():
        from torchvision.models.detection import maskrcnn_resnet50_fpn
        return maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, num_classes=3).eval()

    def retinanet():
        from torchvision.models.detection import retinanet_resnet50_fpn
        return retinanet_resnet50_fpn(weights=None, weights_backbone=None, num_classes=3).eval()

    def resnet():
        from torchvision.models import resnet18
        return resnet18(weights=None).eval()
    add("images", "skimage-affine-transform.pkl", pk, sk_tf, S, "skimage AffineTransform")
    add("vision", "torchvision-fasterrcnn-mobilenet.pt", torch_whole, fasterrcnn, S,
        "torch.save of a whole FasterRCNN (MobileNetV3 FPN backbone), tensors shrunk")
    add("vision", "torchvision-maskrcnn.pt", torch_whole, maskrcnn, S,
        "torch.save of a whole MaskRCNN (ResNet-50 FPN), tensors shrunk")
    add("vision", "torchvision-retinanet.pt", torch_whole, retinanet, S,
        "torch.save of a whole RetinaNet, tensors shrunk")
    add("vision", "torchvision-resnet18.pt", torch_whole, resnet, S,
        "torch.save of a whole resnet18, tensors shrunk")

    # ---- science, geometry, units
    def ap_table():
        from astropy.table import Table
        return Table({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5]}, meta={"name": "t"})

    def ap_quantity():
        import astropy.units as u
        return [3.0 * u.m, np.arange(3.0) * u.km / u.s]

    def ap_time():
        from astropy.time import Time
        return Time(["2020-01-01T00:00:00", "2021-06-01T12:00:00"], scale="utc")

    def ap_sky():
        import astropy.units as u
        from astropy.coordinates import SkyCoord
        return SkyCoord(ra=[10.0, 20.0] * u.deg, dec=[-5.0, 5.0] * u.deg, frame="icrs")

    def shapes():
        from shapely.geometry import LineString, Point, Polygon
        return [Point(1, 2), LineString([(0, 0), (1, 1)]),
                Polygon([(0, 0), (1, 0), (1, 1)])]
    add("science", "astropy-table.pkl", pk, ap_table, S, "astropy Table with meta")
    add("science", "astropy-quantities.pkl", pk, ap_quantity, S,
        "astropy Quantity scalars and arrays with composite units")
    add("science", "astropy-time.pkl", pk, ap_time, S, "astropy Time array (utc)")
    add("science", "astropy-skycoord.pkl", pk, ap_sky, S, "astropy SkyCoord (ICRS)")
    add("science", "shapely-geometries.pkl", pk, shapes, S, "shapely Point, LineString, Polygon")

    # ---- symbolic
    def sympy_expr():
        import sympy
        x, y = sympy.symbols("x y")
        return sympy.sin(x) ** 2 + sympy.Rational(1, 3) * y
    add("symbolic", "sympy-expression.pkl", pk, sympy_expr, R,
        "sympy expression: the analysis cannot prove that sympy's core constructors never "
        "reach sympify on a string (which evaluates it), so they are not cleared")

    # ---- policy (issue: enum members and type(None))
    def optional():
        import typing
        return {"hint": typing.Optional[int], "union": typing.Union[str, None]}

    def enum_members():
        import re
        import signal
        import socket
        return [signal.SIGUSR1, signal.SIGTERM, socket.AF_INET, re.IGNORECASE]
    add("stdlib", "typing-optional.pkl", pk, optional, S,
        "typing.Optional[int] pickles NoneType as builtins.type(None)")
    add("stdlib", "enum-members-by-name.pkl", pk, enum_members, S,
        "signal.SIGUSR1, socket.AF_INET, re.IGNORECASE: enum members referenced by name, "
        "not calls")
    return rows


def held_objects():
    """(library, file name, serialiser, builder) — other classes of the same libraries."""
    import numpy as np
    rows = []

    def add(lib, name, ser, build):
        rows.append((lib, name, ser, build))

    def c(f, *a, **k):
        return lambda: f(*a, **k)

    # networkx
    import networkx as nx
    add("networkx", "planar-embedding.pkl", pk,
        lambda: nx.check_planarity(nx.cycle_graph(4))[1])
    add("networkx", "multidigraph.pkl", pk,
        lambda: nx.MultiDiGraph([(1, 2), (2, 1), (2, 3)]))
    add("networkx", "grid-graph-p2.pkl", lambda o: pk(o, 2), c(nx.grid_2d_graph, 2, 3))
    # igraph / rdflib
    add("igraph", "graph.pkl", pk, lambda: __import__("igraph").Graph.Ring(5))

    def rdf():
        import rdflib
        g = rdflib.Graph(identifier=rdflib.URIRef("urn:mv:graph"))
        g.add((rdflib.URIRef("http://example.invalid/a"), rdflib.RDFS.label,
               rdflib.Literal("a")))
        return g
    add("rdflib", "graph.pkl", pk, rdf)
    add("rdflib", "terms.pkl", pk, lambda: [__import__("rdflib").URIRef("urn:x"),
                                            __import__("rdflib").Literal(3),
                                            __import__("rdflib").BNode("b1")])

    # statsmodels
    def arma():
        from statsmodels.tsa.arima_process import ArmaProcess
        return ArmaProcess([1, -0.5], [1, 0.3])

    def kde():
        from statsmodels.nonparametric.kde import KDEUnivariate
        k = KDEUnivariate(np.random.RandomState(0).rand(20))
        k.fit()
        return k

    def logit_link():
        import statsmodels.api as sm
        return [sm.families.Binomial(), sm.families.links.logit(), sm.families.Poisson()]
    add("statsmodels", "arma-process.pkl", pk, arma)
    add("statsmodels", "kde-univariate.pkl", pk, kde)
    add("statsmodels", "families-links.pkl", pk, logit_link)

    # nltk
    def freq():
        from nltk import ConditionalFreqDist, FreqDist
        return [FreqDist("abracadabra"), ConditionalFreqDist([("a", 1), ("b", 2)])]

    def stemmers():
        from nltk.stem import LancasterStemmer, PorterStemmer
        return [PorterStemmer(), LancasterStemmer()]

    def regexp_tok():
        from nltk.tokenize import RegexpTokenizer, WhitespaceTokenizer
        return [RegexpTokenizer(r"\w+"), WhitespaceTokenizer()]

    def grammar():
        from nltk import CFG
        return CFG.fromstring("S -> NP VP\nNP -> 'a'\nVP -> 'b'")
    add("nltk", "freqdists.pkl", pk, freq)
    add("nltk", "stemmers.pkl", pk, stemmers)
    add("nltk", "regexp-tokenizers.pkl", pk, regexp_tok)
    add("nltk", "cfg-grammar.pkl", pk, grammar)

    # gensim
    def tfidf():
        from gensim.corpora import Dictionary
        from gensim.models import TfidfModel
        texts = [["a", "b"], ["b", "c"], ["c", "a", "a"]]
        d = Dictionary(texts)
        return TfidfModel([d.doc2bow(t) for t in texts])

    def phrases():
        from gensim.models.phrases import Phrases
        return Phrases([["new", "york", "city"], ["new", "york"]] * 3, min_count=1)

    def lsi():
        from gensim.corpora import Dictionary
        from gensim.models import LsiModel
        texts = [["a", "b"], ["b", "c"], ["c", "a", "a"]]
        d = Dictionary(texts)
        return LsiModel([d.doc2bow(t) for t in texts], id2word=d, num_topics=2,
                        random_seed=1)
    add("gensim", "tfidf.pkl", pk, tfidf)
    add("gensim", "phrases.pkl", pk, phrases)
    add("gensim", "lsi.pkl", pk, lsi)

    # pandas
    import pandas as pd
    add("pandas", "period-timedelta-index.pkl", pk, lambda: pd.DataFrame(
        {"v": [1, 2]}, index=pd.PeriodIndex(["2020Q1", "2020Q2"], freq="Q")))
    add("pandas", "categorical-series.pkl", pk, lambda: pd.Series(
        pd.Categorical(["lo", "hi", "lo"], categories=["lo", "hi"], ordered=True)))
    add("pandas", "offsets-interval.pkl", pk, lambda: [
        pd.offsets.MonthEnd(2), pd.Interval(0, 1, closed="left"), pd.Timedelta("1D"),
        pd.Timestamp("2020-01-01", tz="UTC"), pd.NaT, pd.NA])
    add("pandas", "range-datetime-index.pkl", lambda o: pk(o, 2), lambda: pd.DataFrame(
        {"a": range(3)}, index=pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-04"])))
    add("pandas", "joblib-frame.joblib", joblib_bytes, lambda: pd.DataFrame(
        {"x": np.arange(4.0), "s": list("abcd")}))

    # xarray
    import xarray as xr
    add("xarray", "dataset-attrs.pkl", pk, lambda: xr.Dataset(
        {"a": (("x", "y"), np.zeros((2, 2)))}, coords={"x": [0, 1], "y": ["u", "v"]},
        attrs={"title": "t"}))
    add("xarray", "dataarray-int.pkl", lambda o: pk(o, 2),
        lambda: xr.DataArray(np.arange(4), dims="n"))

    # numpy, scipy, units
    add("numpy", "masked-record.pkl", pk, lambda: [
        np.ma.masked_array([1, 2, 3], mask=[0, 1, 0]),
        np.rec.fromarrays([[1, 2], [0.5, 1.5]], names="a,b"),
        np.datetime64("2020-01-01"), np.float32(1.5), np.random.default_rng(0)])
    add("numpy", "more-ufuncs.pkl", pk, lambda: [np.arctan2, np.hypot, np.logaddexp,
                                                  np.isfinite, np.bitwise_and])

    def scipy_objs():
        import scipy.sparse
        import scipy.spatial
        return [scipy.sparse.csr_matrix(np.eye(3)), scipy.spatial.cKDTree(np.eye(3))]

    def scipy_stats():
        import scipy.stats
        return scipy.stats.norm(loc=1.0, scale=2.0)
    add("scipy", "sparse-kdtree.pkl", pk, scipy_objs)
    add("scipy", "frozen-norm.pkl", pk, scipy_stats)
    add("pint", "unit-measurement.pkl", pk, lambda: [
        __import__("pint").UnitRegistry().Unit("kg*m/s^2"),
        __import__("pint").UnitRegistry().Measurement(2.0, 0.1, "s")])

    def unc():
        import uncertainties
        return [uncertainties.ufloat(1.0, 0.1), uncertainties.ufloat(2.0, 0.2) * 3]
    add("uncertainties", "ufloats.pkl", pk, unc)
    add("quantities", "quantity.pkl", pk, lambda: __import__("quantities").Quantity(3.0, "m"))
    add("mpmath", "mpf.pkl", pk, lambda: [__import__("mpmath").mpf("1.5"),
                                           __import__("mpmath").mpc(1, 2)])
    add("cftime", "datetime.pkl", pk,
        lambda: __import__("cftime").DatetimeNoLeap(2020, 2, 28))
    add("pywt", "wavelet.pkl", pk, lambda: __import__("pywt").Wavelet("db2"))
    add("sparse", "coo.pkl", pk, lambda: __import__("sparse").COO.from_numpy(np.eye(3)))

    # pytz
    import pytz
    add("pytz", "fixed-offset.pkl", pk, lambda: [pytz.FixedOffset(90),
                                                  pytz.timezone("Asia/Tokyo")])

    # skimage, PIL, imaging
    def sk_more():
        import skimage.transform as st
        return [st.SimilarityTransform(scale=2), st.EuclideanTransform(rotation=0.1),
                st.ProjectiveTransform(np.eye(3))]

    def sk_measure():
        from skimage.measure import CircleModel, LineModelND
        m = CircleModel()
        m.estimate(np.array([[0, 1], [1, 0], [0, -1], [-1, 0]], dtype=float))
        return [m, LineModelND()]
    add("skimage", "transforms.pkl", pk, sk_more)
    add("skimage", "measure-models.pkl", pk, sk_measure)

    def pil_image():
        from PIL import Image
        return Image.new("RGB", (4, 4), (10, 20, 30))
    add("PIL", "image.pkl", pk, pil_image)

    def pydicom_ds():
        from pydicom.dataset import Dataset
        ds = Dataset()
        ds.PatientName = "Test^Name"
        ds.Rows = 2
        return ds
    add("pydicom", "dataset.pkl", pk, pydicom_ds)

    def nib_img():
        import nibabel as nib
        return nib.Nifti1Image(np.zeros((2, 2, 2), dtype=np.float32), np.eye(4))
    add("nibabel", "nifti1-image.pkl", pk, nib_img)

    def mesh():
        import meshio
        return meshio.Mesh(np.array([[0.0, 0, 0], [1, 0, 0], [0, 1, 0]]),
                           [("triangle", np.array([[0, 1, 2]]))])
    add("meshio", "mesh.pkl", pk, mesh)

    # torchvision, torchaudio
    def keypoint():
        from torchvision.models.detection import keypointrcnn_resnet50_fpn
        return keypointrcnn_resnet50_fpn(weights=None, weights_backbone=None,
                                         num_classes=2).eval()

    def ssdlite():
        from torchvision.models.detection import ssdlite320_mobilenet_v3_large
        return ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None,
                                             num_classes=3).eval()

    def fcos():
        from torchvision.models.detection import fcos_resnet50_fpn
        return fcos_resnet50_fpn(weights=None, weights_backbone=None, num_classes=3).eval()

    def vit():
        from torchvision.models import vit_b_16
        return vit_b_16(weights=None).eval()

    def effnet():
        from torchvision.models import efficientnet_b0
        return efficientnet_b0(weights=None).eval()

    def transforms():
        import torchvision.transforms as T
        return T.Compose([T.Resize(32), T.CenterCrop(28), T.ToTensor(),
                          T.Normalize([0.5], [0.5])])

    def audio():
        import torchaudio
        return torch_module_list([torchaudio.transforms.MelSpectrogram(n_mels=8, n_fft=64),
                                  torchaudio.transforms.MFCC(n_mfcc=4,
                                                             melkwargs={"n_mels": 8,
                                                                        "n_fft": 64})])
    add("torchvision", "keypointrcnn.pt", torch_whole, keypoint)
    add("torchvision", "ssdlite.pt", torch_whole, ssdlite)
    add("torchvision", "fcos.pt", torch_whole, fcos)
    add("torchvision", "vit-b-16.pt", torch_whole, vit)
    add("torchvision", "efficientnet-b0.pt", torch_whole, effnet)
    add("torchvision", "transforms.pkl", pk, transforms)
    add("torchaudio", "mel-mfcc.pt", torch_whole, audio)

    # astropy, science
    def ap_more():
        import astropy.units as u
        from astropy.coordinates import Angle, Distance, EarthLocation
        return [Angle(30 * u.deg), Distance(10 * u.pc), EarthLocation.from_geocentric(
            1.0, 2.0, 3.0, unit=u.km), u.Unit("erg / (s cm2)")]

    def ap_timedelta():
        from astropy.time import TimeDelta
        return TimeDelta([1.0, 2.5], format="jd")

    def ap_qtable():
        import astropy.units as u
        from astropy.table import QTable
        return QTable({"d": [1.0, 2.0] * u.m, "n": ["a", "b"]})

    def ap_model():
        from astropy.modeling.models import Gaussian1D
        return Gaussian1D(amplitude=1.0, mean=0.0, stddev=1.0)
    add("astropy", "angles-units.pkl", pk, ap_more)
    add("astropy", "timedelta.pkl", pk, ap_timedelta)
    add("astropy", "qtable.pkl", pk, ap_qtable)
    add("astropy", "gaussian-model.pkl", pk, ap_model)

    def bio():
        from Bio.Seq import Seq
        from Bio.SeqFeature import FeatureLocation, SeqFeature
        from Bio.SeqRecord import SeqRecord
        r = SeqRecord(Seq("ACGT"), id="x", description="d")
        r.features.append(SeqFeature(FeatureLocation(0, 2), type="gene"))
        return r
    add("Bio", "seqrecord.pkl", pk, bio)
    add("pyproj", "crs.pkl", pk, lambda: __import__("pyproj").CRS.from_epsg(4326))

    def geo():
        import geopandas
        from shapely.geometry import Point
        return geopandas.GeoDataFrame({"v": [1, 2]}, geometry=[Point(0, 0), Point(1, 1)])
    add("geopandas", "geodataframe.pkl", pk, geo)

    def shp_more():
        from shapely.geometry import MultiPolygon, Polygon, box
        return [MultiPolygon([box(0, 0, 1, 1), box(2, 2, 3, 3)]),
                Polygon([(0, 0), (2, 0), (2, 2)], [[(0.5, 0.5), (1, 0.5), (1, 1)]])]
    add("shapely", "multipolygon-holes.pkl", pk, shp_more)

    # sympy
    def sym_matrix():
        import sympy
        return sympy.Matrix([[1, 2], [3, sympy.Symbol("a")]])
    add("sympy", "matrix.pkl", pk, sym_matrix)
    add("sympy", "rational-integer.pkl", pk,
        lambda: [__import__("sympy").Rational(2, 7), __import__("sympy").Integer(5)])

    # plotting
    def mpl_objs():
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib.colors import LinearSegmentedColormap, Normalize
        from matplotlib.path import Path
        from matplotlib.transforms import Affine2D
        return [Normalize(0, 1), Path([(0, 0), (1, 1)]), Affine2D().rotate(0.5),
                LinearSegmentedColormap.from_list("c", ["red", "blue"])]

    def mpl_markers():
        # (A whole Figure was measured first; it holds id()s of live objects, so its bytes
        # change on every run: replaced by these.)
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib.markers import MarkerStyle
        from matplotlib.ticker import MaxNLocator, ScalarFormatter
        return [MarkerStyle("o"), MaxNLocator(5), ScalarFormatter()]

    def plotly_fig():
        import plotly.graph_objects as go
        return go.Figure(data=[go.Bar(x=["a", "b"], y=[1, 2])])

    def altair_chart():
        import altair as alt
        import pandas as pd
        return alt.Chart(pd.DataFrame({"a": [1, 2]})).mark_bar().encode(x="a")
    add("matplotlib", "paths-transforms.pkl", pk, mpl_objs)
    add("matplotlib", "markers-locators.pkl", pk, mpl_markers)
    add("plotly", "figure.pkl", pk, plotly_fig)
    add("altair", "chart.pkl", pk, altair_chart)

    # other ML
    def imb():
        from imblearn.over_sampling import RandomOverSampler
        X, _ = small_xy(12)
        return RandomOverSampler(random_state=0).fit(X, [0] * 8 + [1] * 4)

    def lm_params():
        import lmfit
        p = lmfit.Parameters()
        p.add("a", value=1.0, min=0)
        return p

    def pulp_problem():
        # (An LpProblem keys its variables by id(): not reproducible; its variables are.)
        import pulp
        return [pulp.LpVariable("x", lowBound=0), pulp.LpVariable("y", 0, 10, cat="Integer")]
    add("imblearn", "random-oversampler.pkl", pk, imb)
    add("lmfit", "parameters.pkl", pk, lm_params)
    add("pulp", "variables.pkl", pk, pulp_problem)

    # probabilistic models, pipelines, rasters, EEG/MEG, image arrays
    def pom_hmm():
        from pomegranate import HiddenMarkovModel, NormalDistribution, State
        a = State(NormalDistribution(0.0, 1.0), name="low")
        b = State(NormalDistribution(5.0, 1.0), name="high")
        m = HiddenMarkovModel(name="regimes")
        m.add_states(a, b)
        m.add_transition(m.start, a, 0.5)
        m.add_transition(m.start, b, 0.5)
        for x, y, w in ((a, a, 0.9), (a, b, 0.1), (b, b, 0.8), (b, a, 0.2)):
            m.add_transition(x, y, w)
        m.bake()
        return m

    def pom_gmm():
        from pomegranate import GeneralMixtureModel, NormalDistribution
        X = np.concatenate([np.random.RandomState(0).normal(0, 1, 40),
                            np.random.RandomState(1).normal(6, 1, 40)]).reshape(-1, 1)
        return GeneralMixtureModel([NormalDistribution(0, 2), NormalDistribution(5, 2)]).fit(X)

    def pom_naive_bayes():
        # (A BayesianNetwork refuses pickling: its C buffers cannot be converted.)
        from pomegranate import NaiveBayes, NormalDistribution
        X, _ = small_xy(20)
        return NaiveBayes.from_samples(NormalDistribution, X, np.array([0, 1] * 10))

    def mapper():
        import pandas as pd
        from sklearn.preprocessing import LabelBinarizer, StandardScaler
        from sklearn_pandas import DataFrameMapper
        df = pd.DataFrame({"pet": ["cat", "dog", "fish", "dog"], "age": [1.0, 3.0, 2.0, 5.0]})
        return DataFrameMapper([("pet", LabelBinarizer()), (["age"], StandardScaler())]).fit(df)

    def raster_profile():
        from affine import Affine
        from rasterio.coords import BoundingBox
        from rasterio.enums import Resampling
        from rasterio.profiles import DefaultGTiffProfile
        from rasterio.windows import Window
        prof = DefaultGTiffProfile(count=1, width=64, height=32, dtype="float32", nodata=-1.0,
                                   transform=Affine.translation(10.0, 50.0) * Affine.scale(0.5, -0.5))
        return [prof, Window(0, 0, 16, 16), BoundingBox(10.0, 34.0, 42.0, 50.0), Resampling.bilinear]

    def mne_decoder():
        from mne.decoding import CSP
        rng = np.random.RandomState(0)
        X, y = rng.randn(20, 4, 50), np.array([0, 1] * 10)
        return CSP(n_components=2).fit(X, y)

    def mne_annotations():
        import mne
        return mne.Annotations(onset=[1.0, 2.5], duration=[0.5, 0.0], description=["blink", "stim"])

    def imageio_array():
        from imageio.core.util import Array
        return Array(np.arange(48, dtype=np.uint8).reshape(4, 4, 3), {"fps": 10})
    add("pomegranate", "hidden-markov-model.pkl", pk, pom_hmm)
    add("pomegranate", "gaussian-mixture.pkl", pk, pom_gmm)
    add("pomegranate", "naive-bayes.pkl", pk, pom_naive_bayes)
    add("sklearn_pandas", "dataframe-mapper.joblib", joblib_bytes, mapper)
    add("rasterio", "profile-window.pkl", pk, raster_profile)
    add("affine", "transform.pkl", pk, lambda: __import__("affine").Affine.rotation(30.0))
    add("mne", "csp-decoder.pkl", pk, mne_decoder)
    add("mne", "annotations.pkl", pk, mne_annotations)
    add("imageio", "array-meta.pkl", pk, imageio_array)
    return rows


def torch_module_list(mods):
    import torch
    return torch.nn.ModuleList(mods)


# --------------------------------------------------------------------------- writing
def write_set(rows, subdir, tsv, header, dev):
    base = OUT / subdir
    shutil.rmtree(base, ignore_errors=True)
    lines = list(header)
    old = {}
    if not dev and tsv.exists():  # keep the verdicts coverage.py recorded
        for line in tsv.read_text().splitlines():
            if line and not line.startswith("#"):
                cols = line.split("\t")
                old[cols[0]] = cols[1]
    for row in rows:
        if dev:
            group, name, ser, build, verdict, why = row
        else:
            group, name, ser, build = row
        seed_all()
        try:
            data = ser(build())
        except Exception as e:  # noqa: BLE001 — unpicklable objects are reported, not kept
            print(f"gen_library_fixtures: skip {group}/{name}: {type(e).__name__}: {e}",
                  file=sys.stderr)
            continue
        assert len(data) < MAX_SIZE, f"{group}/{name} is {len(data)} bytes"
        rel = f"{subdir}/{group}/{name}"
        path = OUT / rel
        rel = path.relative_to(REPO).as_posix()  # case files give paths from the repository root
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        verify(path, ser)
        if dev:
            lines.append("\t".join([rel, verdict, "-", "FP-LIB", why]))
        else:
            lines.append("\t".join([rel, old.get(rel, "needs-review"), "-", "FP-LIB",
                                    f"held-out {group}"]))
    tsv.write_text("\n".join(lines) + "\n")
    return len(lines) - len(header)


def verify(path, ser):
    """Loads the file once with the real library: it is what the library accepts."""
    data = path.read_bytes()
    if ser is torch_whole:
        import torch
        torch.load(io.BytesIO(data))
    elif ser is joblib_bytes:
        import joblib
        joblib.load(io.BytesIO(data))
    else:
        pickle.loads(data)


HEADER = "# path (from the repository root)\tverdict\tevidence terms\ttechnique\twhy"


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":  # set/dict order must be reproducible
        os.execve(sys.executable, [sys.executable] + sys.argv,
                  dict(os.environ, PYTHONHASHSEED="0"))
    os.environ.setdefault("MPLBACKEND", "Agg")
    n = write_set(dev_objects(), DEV_DIR, DEV_CASES, [
        "# Generated by scripts/gen_library_fixtures.py — do not edit by hand.",
        "# Benign objects of widely used data libraries (development set); loaded by",
        "# tests/e2e/test_models.py with models.tsv.", HEADER], dev=True)
    m = write_set(held_objects(), HELD_DIR, HELD_CASES, [
        "# Generated by scripts/gen_library_fixtures.py; verdicts recorded by",
        "# scripts/kb/coverage.py (never unsafe). Held-out set: classes not used while the",
        "# benign rules were generated; see docs/rules.md for the coverage table.", HEADER],
        dev=False)
    print(f"gen_library_fixtures: {n} development fixtures, {m} held-out fixtures")


if __name__ == "__main__":
    main()
